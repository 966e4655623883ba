"""The `madoguchi` command: serve, migrate, user add/remove, device token, purge, simulate,
estimator-eval, history import."""

from __future__ import annotations

import argparse
import gc
import getpass
import os
import sys
from pathlib import Path

from server.settings import Settings

# The demo office's accounts (made when its database has none); never in production.
DEMO_CLERK = ("demo-clerk", "madoguchi-demo")
DEMO_SUPERVISOR = ("demo-supervisor", "madoguchi-demo-sv")
DEMO_ADMIN = ("demo-admin", "madoguchi-demo-admin")


def _settings(args: argparse.Namespace, **extra: object) -> Settings:
    return Settings.from_env(
        database_url=getattr(args, "database_url", None),
        office_files=_named_offices(args),
        **extra,
    )


def _named_offices(args: argparse.Namespace) -> list[str] | None:
    named = getattr(args, "office", None)
    if named is None:
        return None
    return [named] if isinstance(named, str) else named


def _common(parser: argparse.ArgumentParser, many: bool = False) -> None:
    parser.add_argument(
        "--database-url",
        help="sqlite:///PATH or postgresql://USER@HOST:PORT/DB "
        "(default: $MADOGUCHI_DATABASE_URL, else sqlite:///var/madoguchi.sqlite3)",
    )
    if many:
        parser.add_argument(
            "--office",
            metavar="FILE",
            action="append",
            help="an office TOML file, or a folder of them; repeatable: one installation"
            " serves every office named (default: $MADOGUCHI_OFFICE, else the demo office)",
        )
        return
    parser.add_argument(
        "--office", metavar="FILE", help="office TOML file (default: the demo office)"
    )


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="madoguchi", description="窓口 counter and queue management")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the server")
    _common(serve, many=True)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--always-open",
        action="store_true",
        help="issue tickets and work counters whatever the hour and day (demos, tests)",
    )
    serve.add_argument(
        "--printer",
        action="append",
        default=[],
        metavar="KIOSK=URI",
        help="override a kiosk's printer (repeatable)",
    )
    migrate = sub.add_parser("migrate", help="bring the database schema up to date")
    _common(migrate, many=True)
    user = sub.add_parser("user", help="staff accounts").add_subparsers(
        dest="user_command", required=True
    )
    add = user.add_parser(
        "add",
        help="create an account, or change its password and role (which ends its sessions "
        "and tokens); the password is read from stdin",
    )
    _common(add)
    add.add_argument("name")
    add.add_argument("--role", choices=["clerk", "supervisor", "admin"], default="clerk")
    add.add_argument(
        "--office-role",
        action="append",
        default=[],
        metavar="OFFICE=ROLE",
        help="her role in one office of the installation (repeatable); with none, --role in"
        " every office",
    )
    remove = user.add_parser(
        "remove", help="delete an account; its sessions and tokens end at once"
    )
    _common(remove)
    remove.add_argument("name")
    device = sub.add_parser("device", help="kiosks and displays").add_subparsers(
        dest="device_command", required=True
    )
    token = device.add_parser("token", help="print a device's token, creating it if it has none")
    _common(token)
    token.add_argument("name")
    token.add_argument("--rotate", action="store_true", help="replace the token with a new one")
    office = sub.add_parser("office", help="the office's settings in the database").add_subparsers(
        dest="office_command", required=True
    )
    office_import = office.add_parser(
        "import",
        help="make an office file the office's settings (a new revision; the screens follow"
        " at once); a new installation imports its file when it first starts",
    )
    office_import.add_argument("file", metavar="FILE")
    office_import.add_argument("--database-url", help="as for serve")
    office_export = office.add_parser(
        "export", help="write the settings in force as an office file (to stdout or FILE)"
    )
    _common(office_export)
    office_export.add_argument("file", metavar="FILE", nargs="?")
    # Device programs: their own options, parsed by their own modules (see main()).
    sub.add_parser(
        "printer-emulator",
        add_help=False,
        help="a network ESC/POS printer for development: --port 9100 --out DIR "
        "[--paper-out] [--paper-near-end] [--cover-open] [--offline] [--slow S]",
    )
    sub.add_parser(
        "kiosk-agent",
        add_help=False,
        help="print a kiosk's tickets on its PC's printer: --server URL --kiosk ID --printer URI",
    )
    past = sub.add_parser("history", help="the office's past logs").add_subparsers(
        dest="history_command", required=True
    )
    imp = past.add_parser(
        "import",
        help="load a past log in the format of log.csv into the office's history "
        "(rows already there are left as they are; exit 1 if some rows were not used)",
    )
    imp.add_argument("file", metavar="FILE.csv")
    imp.add_argument(
        "--database-url",
        help="sqlite:///PATH or postgresql://USER@HOST:PORT/DB "
        "(default: $MADOGUCHI_DATABASE_URL, else sqlite:///var/madoguchi.sqlite3)",
    )
    imp.add_argument(
        "--office-file",
        dest="office",
        metavar="FILE",
        help="office TOML file (default: $MADOGUCHI_OFFICE, else the demo office)",
    )
    imp.add_argument(
        "--office",
        dest="office_id",
        metavar="ID",
        help="the office's id (checked against its file)",
    )
    purge = sub.add_parser(
        "purge", help="erase visitors' form entries past their retention (the end of the day)"
    )
    _common(purge)
    purge.add_argument(
        "--all", action="store_true", help="erase every form entry now, whatever its retention"
    )
    simulate = sub.add_parser(
        "simulate", help="simulate an office day and score the wait estimator against baselines"
    )
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--day", choices=["normal", "peak", "bookings"], default="normal")
    simulate.add_argument("--json", action="store_true", help="print one JSON object")
    simulate.add_argument("--log-out", metavar="FILE", help="also write the day's log as CSV")
    simulate.add_argument(
        "--live",
        metavar="URL",
        help="instead, drive a running demo (make run) gently through its HTTP API, e.g. "
        "http://localhost:8000, so its screens move; signs in as the demo supervisor "
        "(it works several counters)",
    )
    simulate.add_argument(
        "--speed", type=float, default=30.0, help="--live: simulated minutes per real minute"
    )
    simulate.add_argument(
        "--duration", type=float, metavar="S", help="--live: stop after S seconds"
    )
    simulate.add_argument(
        "--office", metavar="FILE", help="office TOML file (default: the demo office)"
    )
    evaluate = sub.add_parser(
        "estimator-eval", help="replay a log (CSV) through the wait estimator and the baselines"
    )
    evaluate.add_argument("--log", metavar="FILE.csv", required=True)
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument(
        "--office",
        metavar="FILE",
        help="office TOML file for prior service times (default: the demo office)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["printer-emulator"]:
        from printer.emulator.__main__ import main as printer_emulator

        printer_emulator(argv[1:])
        return 0
    if argv[:1] == ["kiosk-agent"]:
        from kiosk.agent import main as kiosk_agent

        return kiosk_agent(argv[1:])
    args = parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "migrate":
            return _migrate(args)
        if args.command == "user":
            return _user_remove(args) if args.user_command == "remove" else _user_add(args)
        if args.command == "office":
            return _office_import(args) if args.office_command == "import" else _office_export(args)
        if args.command == "purge":
            return _purge(args)
        if args.command == "simulate":
            return _simulate(args)
        if args.command == "estimator-eval":
            return _estimator_eval(args)
        if args.command == "history":
            return _history_import(args)
        return _device_token(args)
    except Exception as e:  # the operator sees one clear line, not a traceback
        from server.office_file import OfficeFileError

        if isinstance(e, OfficeFileError | ValueError):
            print(f"madoguchi: {e}", file=sys.stderr)
            return 2
        raise


def _writer(args: argparse.Namespace, importing: bool = False):  # type: ignore[no-untyped-def]
    """The database, migrated, and a writer (no thread: each write runs on this one).
    An office file named (--office or MADOGUCHI_OFFICE) becomes a new database's settings,
    as `serve` would make it; the demo office, named by nobody, never does (a `user add`
    before the first `serve --office FILE` must not make the demo the office's settings).
    `importing`: the file is about to become the settings (no warning that they differ)."""
    from server.bootstrap import prepare_database
    from server.office_file import load_office, read_document
    from server.store.engine import make_engines
    from server.store.unit_of_work import Writer

    settings = _settings(args)
    writer = Writer(make_engines(settings.database_url))
    try:
        for file in settings.office_files:
            named = file is not None or importing
            document = read_document(file) if named else None
            prepare_database(writer, load_office(file), document, warn=not importing)
    except BaseException:
        _close(writer)
        raise
    return writer


def _close(writer) -> None:  # type: ignore[no-untyped-def]
    writer.stop()
    writer.engines.dispose()


def _migrate(args: argparse.Namespace) -> int:
    _close(_writer(args))
    print("database is up to date")
    return 0


def _user_add(args: argparse.Namespace) -> int:
    from server.accounts import AccountError, Role, add_user

    password = (
        getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    )
    writer = _writer(args)
    try:
        offices = _office_roles(writer, args.office_role)
        add_user(writer, args.name, password, Role(args.role), offices)
    except AccountError as e:
        print(f"madoguchi: {e}", file=sys.stderr)
        return 2
    finally:
        _close(writer)
    print(f"user {args.name} ({args.role}) saved")
    return 0


def _office_roles(writer, given: list[str]) -> dict | None:  # type: ignore[no-untyped-def,type-arg]
    """--office-role OFFICE=ROLE, each office one the database holds."""
    from server.accounts import AccountError, Role
    from server.store import offices

    if not given:
        return None
    with writer.engines.reader.connect() as conn:
        known = offices.office_ids(conn)
    roles: dict[str, Role] = {}
    for item in given:
        office, sep, role = item.partition("=")
        if not sep or office not in known or role not in Role.__members__.values():
            raise AccountError(
                f"--office-role {item!r}: use OFFICE=ROLE, OFFICE one of {', '.join(known)}"
                f" and ROLE one of {', '.join(Role)}"
            )
        roles[office] = Role(role)
    return roles


def _user_remove(args: argparse.Namespace) -> int:
    from server.accounts import remove_user

    writer = _writer(args)
    try:
        removed = remove_user(writer, args.name)
    finally:
        _close(writer)
    if not removed:
        print(f"madoguchi: no user {args.name!r}", file=sys.stderr)
        return 2
    print(f"user {args.name} removed (their sessions and tokens have ended)")
    return 0


def _office_import(args: argparse.Namespace) -> int:
    """A new revision of the settings from FILE (the office the file names)."""
    from server import office_settings
    from server.admin_commands import replace_settings
    from server.bootstrap import holiday_predicate, utc_now
    from server.context import Context
    from server.office_file import read_document

    args.office = args.file
    document = read_document(args.file)
    writer = _writer(args, importing=True)  # checks the file; a new office's first revision
    try:
        office = _office_in_force(writer, document["office"]["id"])
        if office is None:
            print(
                f"madoguchi: office {document['office']['id']!r} has no settings", file=sys.stderr
            )
            return 2
        if office.revision and _document(writer, office) == document:
            print(
                f"office {office.id}: the settings in force (revision {office.revision}) are the file's already"
            )
            return 0
        ctx = Context(office, holiday_predicate(office))
        command = replace_settings(document, None)

        def run(tx):  # type: ignore[no-untyped-def]
            return command(office_settings.in_force(ctx, tx), tx)

        change = writer.run_sync(office.id, run, utc_now(), "madoguchi office import").result
    finally:
        _close(writer)
    print(f"office {office.id}: revision {change['revision']} is in force")
    return 0


def _office_in_force(writer, office_id: str):  # type: ignore[no-untyped-def]
    from server.office_file import office_from_document
    from server.store import office_settings as rows

    with writer.engines.reader.connect() as conn:
        revision = rows.revision_in_force(conn, office_id)
        document = rows.document(conn, office_id, revision)
    return None if document is None else office_from_document(document, revision)


def _document(writer, office) -> dict | None:  # type: ignore[no-untyped-def,type-arg]
    from server.store import office_settings as rows

    with writer.engines.reader.connect() as conn:
        return rows.document(conn, office.id, office.revision)


def _office_export(args: argparse.Namespace) -> int:
    from server.office_file import document_toml, load_office

    writer = _writer(args)
    try:
        office = _office_in_force(writer, load_office(_settings(args).office_file).id)
        document = None if office is None else _document(writer, office)
    finally:
        _close(writer)
    if office is None or document is None:
        print("madoguchi: the office has no settings in the database", file=sys.stderr)
        return 2
    text = document_toml(document)
    if args.file:
        Path(args.file).write_text(text, encoding="utf-8")
        print(f"office {office.id}: revision {office.revision} written to {args.file}")
    else:
        sys.stdout.write(text)
    return 0


def _purge(args: argparse.Namespace) -> int:
    from server.bootstrap import utc_now
    from server.forms.crypto import Cipher
    from server.forms.entries import Entries, data_key
    from server.office_file import load_office

    settings = _settings(args)
    writer = _writer(args)
    try:
        key = data_key(writer, settings.data_key, settings.is_production)
        entries = Entries(writer, Cipher(key), load_office(settings.office_file).id)
        count = entries.purge(utc_now(), everything=args.all)
    finally:
        _close(writer)
    print(f"purged {count} form entries")
    return 0


def _history_import(args: argparse.Namespace) -> int:
    from server.bootstrap import utc_now
    from server.history_import import import_log
    from server.office_file import load_office

    office = load_office(_settings(args).office_file)
    if args.office_id is not None and args.office_id != office.id:
        print(
            f"madoguchi: the office file is for {office.id!r}, not {args.office_id!r}"
            " (name its file with --office-file)",
            file=sys.stderr,
        )
        return 2
    try:
        with open(args.file, encoding="utf-8-sig", newline="") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        print(f"madoguchi: cannot read {args.file}: {e}", file=sys.stderr)
        return 2
    writer = _writer(args)
    try:
        done = import_log(writer, office, text, utc_now())
    finally:
        _close(writer)
    for message in done.problems:
        print(f"{args.file}: {message}", file=sys.stderr)
    print(
        f"{office.id}: {done.added} rows imported, {done.rows - done.added} already there,"
        f" {len(done.problems)} not used"
    )
    return 1 if done.problems else 0


def _device_token(args: argparse.Namespace) -> int:
    from server.accounts import device_token

    writer = _writer(args)
    try:
        print(device_token(writer, args.name, rotate=args.rotate))
    finally:
        _close(writer)
    return 0


def _simulate(args: argparse.Namespace) -> int:
    import json

    if args.live:
        from server.demo_driver import run

        try:
            issued = run(args.live, DEMO_SUPERVISOR, speed=args.speed, duration_s=args.duration)
        except KeyboardInterrupt:
            return 0
        print(f"{issued} tickets issued at {args.live}")
        return 0

    from server.office_file import load_office
    from server.simulation.evaluation import report
    from server.simulation.log import write_log
    from server.simulation.profile import PROFILES
    from server.simulation.simulator import scored, simulate

    office = load_office(args.office)
    result = simulate(office, PROFILES[args.day], args.seed)
    if args.log_out:
        with open(args.log_out, "w", encoding="utf-8", newline="") as out:
            write_log(result.visits, out)
    summary = report(args.day, args.seed, scored(result))
    print(json.dumps(summary.as_dict(), ensure_ascii=False) if args.json else summary.as_text())
    return 0


def _estimator_eval(args: argparse.Namespace) -> int:
    """Rows that cannot be used are named on stderr (and under "skipped" in the JSON); the
    rest is scored. Exit 0 when anything was scored."""
    import json
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from server.office_file import load_office
    from server.simulation.replay import replay_text

    office = load_office(args.office)
    prior = {s.id: float(s.mean_service_min) for s in office.services.values()}
    text = Path(args.log).read_text(encoding="utf-8")
    result = replay_text(text, prior, ZoneInfo(office.timezone))
    for error in result.skipped:
        print(f"madoguchi: skipped {error}", file=sys.stderr)
    summary = result.report
    if args.json:
        skipped = [{"line": e.line, "reason": str(e)} for e in result.skipped]
        print(json.dumps({**summary.as_dict(), "skipped": skipped}, ensure_ascii=False))
    else:
        print(summary.as_text())
    if summary.tickets == 0:
        print(f"madoguchi: no served ticket with a call in {args.log} to score", file=sys.stderr)
        return 1
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.access_log import uvicorn_log_config
    from server.app import create_app
    from server.live.lean_ws import LeanWebSocketsProtocol

    printers = {}
    for item in args.printer:
        kiosk, sep, uri = item.partition("=")
        if not sep or not kiosk or not uri:
            raise ValueError(
                f"--printer {item!r}: use KIOSK=URI, e.g. kiosk-2f=tcp:192.0.2.10:9100"
            )
        printers[kiosk] = uri
    settings = _settings(args, always_open=args.always_open or None, printers=printers or None)
    demo = settings.office_file is None
    if demo and settings.is_production:
        print(
            "madoguchi: MADOGUCHI_ENV=production needs an office file (--office FILE or "
            "MADOGUCHI_OFFICE): the demo office and its well-known accounts are for trying "
            "madoguchi out, never for serving visitors",
            file=sys.stderr,
        )
        return 2
    app = create_app(settings)
    system = app.state.system
    if demo:
        _demo_accounts(system)
    _print_urls(system, args.host, args.port, demo)
    # What was made to start (modules, the app, the office) lives as long as the process:
    # kept out of the collector's full passes, which otherwise walk it all and stopped
    # the kiosks' answers for 50-100 ms every few seconds under load.
    gc.collect()
    gc.freeze()
    log_level = os.environ.get("MADOGUCHI_LOG_LEVEL", "info")
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        # websockets-sansio (backpressure: a client that stops reading blocks only its own
        # send), keeping less per idle connection (live/lean_ws.py)
        ws=LeanWebSocketsProtocol,
        ws_per_message_deflate=False,  # views are sent to many; deflating each costs CPU
        log_level=log_level,
        # The client's address (sign-in and issuing limits count by it) comes from
        # X-Forwarded-For only when the peer is a proxy named in MADOGUCHI_TRUSTED_PROXIES;
        # uvicorn would otherwise believe any local process (127.0.0.1, its default).
        proxy_headers=bool(settings.trusted_proxies.strip()),
        forwarded_allow_ips=settings.trusted_proxies.strip() or None,
        log_config=uvicorn_log_config(),  # tokens redacted from every logged path
        # Above info the access log writes nothing, but uvicorn would still work out each
        # request's client address and quoted path for it.
        access_log=log_level.lower() in ("trace", "debug", "info"),
    )
    return 0


def _demo_accounts(system) -> None:  # type: ignore[no-untyped-def]
    """The demo office's clerk, supervisor and admin, made in a database without accounts.
    In one made before there was a demo supervisor, the demo clerk (then a supervisor)
    becomes a clerk and the demo supervisor is added; the demo admin is added to a demo
    that has none."""
    from server import accounts

    engines, writer = system.engines, system.writer
    if not accounts.has_users(engines):
        accounts.add_user(writer, DEMO_CLERK[0], DEMO_CLERK[1], accounts.Role.CLERK)
        accounts.add_user(writer, *DEMO_SUPERVISOR, accounts.Role.SUPERVISOR)
    elif accounts.authenticate(engines, *DEMO_CLERK) is accounts.Role.SUPERVISOR:
        accounts.add_user(writer, DEMO_CLERK[0], DEMO_CLERK[1], accounts.Role.CLERK)
        if accounts.authenticate(engines, *DEMO_SUPERVISOR) is None:
            accounts.add_user(writer, *DEMO_SUPERVISOR, accounts.Role.SUPERVISOR)
    if not accounts.has_user(engines, DEMO_ADMIN[0]):
        # The console's settings, staff and devices are an admin's (added to older demos).
        accounts.add_user(writer, *DEMO_ADMIN, accounts.Role.ADMIN)


def _print_urls(system, host: str, port: int, demo: bool) -> None:  # type: ignore[no-untyped-def]
    base = f"http://{'localhost' if host in ('0.0.0.0', '127.0.0.1') else host}:{port}"
    offices = list(system.installation.offices.values()) if system.installation else [system]
    lines = []
    for i, each in enumerate(offices):
        # The first office is every page's default; the others are named in the address.
        lines.extend(_office_urls(each, base, "" if i == 0 else each.office.id, demo))
    lines.append(f"  API                    {base}/api/v1/openapi.json")
    if demo:
        lines.append(f"  demo clerk:      user {DEMO_CLERK[0]}  password {DEMO_CLERK[1]}")
        lines.append(
            f"  demo supervisor: user {DEMO_SUPERVISOR[0]}  password {DEMO_SUPERVISOR[1]}"
            "  (the console's floor and reports, log.csv, other clerks' counters)"
        )
        lines.append(f"  demo admin:      user {DEMO_ADMIN[0]}  password {DEMO_ADMIN[1]}")
    print("\n".join(lines), flush=True)


def _office_urls(system, base: str, named: str, demo: bool) -> list[str]:  # type: ignore[no-untyped-def]
    """One office's screens; `named`: its id, for an office other than the first."""
    from server.accounts import device_token

    office = system.office
    query = f"?office={named}" if named else ""
    lines = [
        f"madoguchi: {office.names['ja']} ({office.id}) on {system.engines.url.split('://')[0]}"
    ]
    lines.append(
        f"  混雑状況 public page   {base}/{query}   (forecast 混雑予想: {base}/forecast{query})"
    )
    # Residents away from the hall: a ticket from home (受付票を取る on the public page) and
    # booking (予約), named with the services that offer them.
    remote = [s.names["ja"] for s in office.services.values() if s.remote]
    bookable = [s.names["ja"] for s in office.services.values() if s.appointments]
    if remote:
        lines.append(f"  受付票を取る from home {base}/{query}   ({'、'.join(remote)})")
    if bookable:
        lines.append(f"  予約 booking           {base}/book{query}   ({'、'.join(bookable)})")

    # The demo prints each device's paired address (make run); a real office's tokens stay
    # out of the server's output, which a service manager keeps in its journal.
    def paired(device: str) -> str:
        if not demo:
            return f"  (pair: madoguchi device token {device})"
        return f"#token={device_token(system.writer, device)}"

    for kiosk in office.kiosks:
        lines.append(f"  発券機 kiosk           {base}/kiosk/{kiosk}{paired(kiosk)}")
    for display in office.displays:
        lines.append(f"  呼出表示盤 display     {base}/display/{display}{paired(display)}")
    first = next(iter(office.counters))
    lines.append(
        f"  窓口端末 counter app   {base}/counter/{first}{query}  (sign in at {base}/signin;"
        f" counters {', '.join(office.counters)})"
    )
    lines.append(
        f"  管理画面 admin         {base}/admin{query}  (floor, reports; settings, staff and"
        " devices for admins)"
    )
    return lines


if __name__ == "__main__":
    sys.exit(main())
