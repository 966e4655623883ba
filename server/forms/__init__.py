"""Pre-entry forms (書かない窓口): definitions from the office file, Japanese input
normalisation and validation, postal code lookup, encryption at rest, the stored entries with
their audit log and purge, and the PDF of the official form."""
