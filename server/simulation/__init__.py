"""The office-day simulator and the estimator's evaluation (on simulated days and on logs).

Not part of the domain: it draws random numbers (seeded) and reads and writes files. It
drives the real domain (lifecycle, call policy, numbering, calendar) as the server does.
"""
