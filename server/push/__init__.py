"""Notices to a visitor whose ticket page is closed: Web Push today (webpush.py), other
channels (SMS, LINE, e-mail) behind the same seam (notifier.py); the queue that sends
them off the commands' path (queue.py)."""
