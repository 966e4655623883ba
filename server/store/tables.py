"""The tables. Datetimes are stored in UTC; SQLite drops the offset, so reads re-attach it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Column, DateTime, Float, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

UTC_DT = DateTime(timezone=True)


class OfficeRow(SQLModel, table=True):
    __tablename__ = "office"
    id: str = Field(primary_key=True, max_length=40)
    seq: int = 0  # the office's version: seq of its last event
    settings_revision: int = 0  # the office_setting revision in force (0: none stored yet)


class NumberCounterRow(SQLModel, table=True):
    """The last number given per service per business day (never a DB sequence: those
    commit out of order on PostgreSQL)."""

    __tablename__ = "number_counter"
    office: str = Field(primary_key=True, max_length=40)
    service: str = Field(primary_key=True, max_length=40)
    day: date = Field(primary_key=True)
    last: int = 0


class TicketRow(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("office", "prefix", "day", "seq", name="uq_ticket_number"),
        # Every query on waiting or held tickets names the day: this one index serves
        # them all, and the day's lines (tickets.line_summary) from the index alone
        # (migrations 0003 and 0004).
        Index("ix_ticket_line", "office", "day", "status", "service", "queued_at"),
    )
    id: str = Field(primary_key=True, max_length=32)
    office: str = Field(max_length=40)
    service: str = Field(max_length=40)
    prefix: str = Field(max_length=4)
    seq: int
    day: date
    token: str = Field(max_length=64, unique=True)
    lang: str = Field(max_length=16)
    priority: bool = False
    channel: str = Field(max_length=16)
    status: str = Field(max_length=16)
    kiosk: str | None = Field(default=None, max_length=40)
    counter: str | None = Field(default=None, max_length=40)
    issued_at: datetime = Field(sa_type=UTC_DT)
    queued_at: datetime = Field(sa_type=UTC_DT)
    called_at: datetime | None = Field(default=None, sa_type=UTC_DT)
    started_at: datetime | None = Field(default=None, sa_type=UTC_DT)
    finished_at: datetime | None = Field(default=None, sa_type=UTC_DT)
    recalls: int = 0
    transfers: int = 0
    # Tickets from home (migration 0012): see domain/ticket.py.
    remote: bool = False
    device: str | None = Field(default=None, max_length=64)
    arrived_at: datetime | None = Field(default=None, sa_type=UTC_DT)
    kept_at: datetime | None = Field(default=None, sa_type=UTC_DT)
    delays: int = 0
    # A booking checked in in time (call_policy's appointment rule; migration 0010).
    booked: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    print_status: str = Field(default="none", max_length=16)
    print_error: str | None = Field(default=None, max_length=200)


class EventRow(SQLModel, table=True):
    __tablename__ = "event"
    __table_args__ = (Index("ix_event_ticket", "ticket"),)
    office: str = Field(primary_key=True, max_length=40)
    seq: int = Field(primary_key=True)
    at: datetime = Field(sa_type=UTC_DT)
    type: str = Field(max_length=32)
    ticket: str | None = Field(default=None, max_length=32)
    number: str | None = Field(default=None, max_length=16)
    service: str | None = Field(default=None, max_length=40)
    counter: str | None = Field(default=None, max_length=40)
    actor: str | None = Field(default=None, max_length=80)
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False))


class CounterRow(SQLModel, table=True):
    __tablename__ = "counter"
    office: str = Field(primary_key=True, max_length=40)
    id: str = Field(primary_key=True, max_length=40)
    state: str = Field(default="closed", max_length=16)
    clerk: str | None = Field(default=None, max_length=80)


class UserRow(SQLModel, table=True):
    __tablename__ = "staff_user"
    username: str = Field(primary_key=True, max_length=80)
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=16)
    created_at: datetime = Field(sa_type=UTC_DT)
    # Unix time (seconds): a token or session signed before it is no longer good (set by a
    # password or role change, and when the account is made).
    sessions_after: float = Field(default=0.0, sa_column=Column(Float, nullable=False))
    # A disabled account signs in no more and every token and session of it is refused.
    disabled: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    # The counters and areas a clerk may work (JSON lists); NULL: any.
    counters: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    areas: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The user's role in each office of the installation (JSON {office: role}); NULL: the
    # `role` above in every office.
    offices: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    last_signin_at: datetime | None = Field(default=None, sa_type=UTC_DT)


class RevokedSessionRow(SQLModel, table=True):
    """A signed-out session or token (by its id), kept until it would have expired."""

    __tablename__ = "revoked_session"
    id: str = Field(primary_key=True, max_length=64)
    expires_at: float = Field(sa_column=Column(Float, nullable=False, index=True))


class DeviceRow(SQLModel, table=True):
    __tablename__ = "device"
    name: str = Field(primary_key=True, max_length=40)
    token: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_type=UTC_DT)


class SettingRow(SQLModel, table=True):
    """Installation-wide values kept across restarts, e.g. the token signing key."""

    __tablename__ = "setting"
    key: str = Field(primary_key=True, max_length=40)
    value: str = Field(sa_column=Column(Text, nullable=False))


class FormEntryRow(SQLModel, table=True):
    """A visitor's pre-entry form for one ticket, encrypted (server/forms/crypto.py), erased
    at ``purge_after`` (the end of the business day)."""

    __tablename__ = "form_entry"
    __table_args__ = (Index("ix_form_entry_purge", "purge_after"),)
    ticket: str = Field(primary_key=True, max_length=32)
    office: str = Field(max_length=40)
    form: str = Field(max_length=40)
    data: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(sa_type=UTC_DT)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTC_DT)
    confirmed_by: str | None = Field(default=None, max_length=80)
    purge_after: datetime = Field(sa_type=UTC_DT)


class FormAuditRow(SQLModel, table=True):
    """Who looked at (or confirmed, printed, exported) which ticket's pre-entry, and when.
    Holds no personal data of the visitor; kept after the entry is purged."""

    __tablename__ = "form_audit"
    __table_args__ = (Index("ix_form_audit_ticket", "ticket"), Index("ix_form_audit_at", "at"))
    id: int | None = Field(default=None, primary_key=True)
    office: str = Field(max_length=40)
    ticket: str = Field(max_length=32)
    actor: str = Field(max_length=80)
    action: str = Field(max_length=16)
    counter: str | None = Field(default=None, max_length=40)
    at: datetime = Field(sa_type=UTC_DT)


class SignInFailureRow(SQLModel, table=True):
    """A wrong password: the name tried, from where, when (server/api/auth.py's
    SignInThrottle counts them; rows older than its window are deleted). Shared by every
    process on the database."""

    __tablename__ = "signin_failure"
    __table_args__ = (
        Index("ix_signin_failure_name", "username", "at"),
        Index("ix_signin_failure_address", "address", "at"),
        Index("ix_signin_failure_at", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80)  # casefolded
    address: str = Field(max_length=64)
    at: datetime = Field(sa_type=UTC_DT)


class AdminAuditRow(SQLModel, table=True):
    """A supervisor's or admin's change (a notice, a service stopped, a counter closed, a
    setting, an account, a device): who, what, when, the value before and after (JSON)."""

    __tablename__ = "admin_audit"
    __table_args__ = (Index("ix_admin_audit_office_at", "office", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    office: str | None = Field(default=None, max_length=40)
    at: datetime = Field(sa_type=UTC_DT)
    actor: str = Field(max_length=80)
    action: str = Field(max_length=40)
    target: str | None = Field(default=None, max_length=120)
    before: str = Field(sa_column=Column(Text, nullable=False))
    after: str = Field(sa_column=Column(Text, nullable=False))


class OfficeSettingRow(SQLModel, table=True):
    """The office's settings, one row per revision (the newest is in force): the office
    document, the same shape as the office TOML (server/office_file.py), as JSON."""

    __tablename__ = "office_setting"
    office: str = Field(primary_key=True, max_length=40)
    revision: int = Field(primary_key=True)
    document: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = Field(sa_type=UTC_DT)
    actor: str | None = Field(default=None, max_length=80)


class HistoryVisitRow(SQLModel, table=True):
    """A row of a past log imported with `madoguchi history import` (the format of log.csv:
    one ticket's stay in one service's line), for the days the event log does not cover.
    Its key makes a second import of the same file change nothing."""

    __tablename__ = "history_visit"
    office: str = Field(primary_key=True, max_length=40)
    day: date = Field(primary_key=True)  # the office day the ticket was issued
    ticket: str = Field(primary_key=True, max_length=16)  # the number, "A-023"
    service: str = Field(primary_key=True, max_length=40)
    issued_at: datetime = Field(primary_key=True, sa_type=UTC_DT)  # or transferred in
    called_at: datetime | None = Field(default=None, sa_type=UTC_DT)
    finished_at: datetime | None = Field(default=None, sa_type=UTC_DT)
    counter: str | None = Field(default=None, max_length=40)
    outcome: str = Field(max_length=16)


class PushSubscriptionRow(SQLModel, table=True):
    """A visitor's browser subscribed to Web Push for one ticket (server/push/): where to
    post (an allow-listed push service, server/push/hosts.py) and the browser's keys."""

    __tablename__ = "push_subscription"
    ticket: str = Field(primary_key=True, max_length=32)
    endpoint: str = Field(primary_key=True, max_length=1000)
    office: str = Field(max_length=40)
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTC_DT)


class PushJobRow(SQLModel, table=True):
    """A notice to send (server/push/queue.py). Its key names the event (ticket, kind,
    subscription), so one event is queued once; a sent job keeps its row (``sent_at``) so
    that the event cannot be queued again."""

    __tablename__ = "push_job"
    __table_args__ = (Index("ix_push_job_due", "sent_at", "due_at"),)
    key: str = Field(primary_key=True, max_length=120)
    ticket: str = Field(max_length=32)
    endpoint: str = Field(max_length=1000)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    attempts: int = 0
    due_at: datetime = Field(sa_type=UTC_DT)
    sent_at: datetime | None = Field(default=None, sa_type=UTC_DT)
    created_at: datetime = Field(sa_type=UTC_DT)


class AppointmentRow(SQLModel, table=True):
    """A booking (予約) of a slot (domain/appointment.py; migration 0010). `key` is the
    client's Idempotency-Key: the same key books once; `booked_from` the keyed hash of the
    address that booked it (migration 0013), for the bookings one address may hold."""

    __tablename__ = "appointment"
    __table_args__ = (
        UniqueConstraint("office", "code", name="uq_appointment_code"),
        UniqueConstraint("office", "key", name="uq_appointment_key"),
        Index("ix_appointment_slot", "office", "service", "start"),
    )
    id: str = Field(primary_key=True, max_length=32)
    office: str = Field(max_length=40)
    service: str = Field(max_length=40)
    start: datetime = Field(sa_type=UTC_DT)
    day: date
    code: str = Field(max_length=16)
    token: str = Field(max_length=64, unique=True)
    lang: str = Field(max_length=16)
    status: str = Field(max_length=16)
    booked_at: datetime = Field(sa_type=UTC_DT)
    key: str | None = Field(default=None, max_length=80)
    ticket: str | None = Field(default=None, max_length=32)
    booked_from: str | None = Field(default=None, max_length=64)
