"""Who may do what: the one table of roles and actions (docs/admin.md prints it). Every
staff route and console screen asks `may` or `require` with an action from here; a role
may do what a lower role may."""

from __future__ import annotations

import enum

from server.accounts import Role


class Action(enum.StrEnum):
    WORK_COUNTER = "work_counter"  # call, recall, serve, transfer at one's own counter
    ISSUE_AT_RECEPTION = "issue_at_reception"  # a ticket for a visitor at the reception desk
    PICKUP = "pickup"  # 交付: mark ready, hand over
    VIEW_FLOOR = "view_floor"  # the console's live floor and alerts
    SET_NOTICE = "set_notice"  # the notice on every screen
    SET_SERVICE_ISSUING = "set_service_issuing"  # stop/resume issuing, daily cap, cut-off
    CALL_TO_COUNTER = "call_to_counter"  # call a given ticket to a given counter
    REPRINT = "reprint"  # reprint a ticket at a kiosk's printer
    SET_ANY_COUNTER = "set_any_counter"  # open, pause or close anyone's counter
    VIEW_REPORTS = "view_reports"  # reports, end-of-day summary, CSV and Excel
    VIEW_AUDIT = "view_audit"  # the supervisors' audit log
    EDIT_SETTINGS = "edit_settings"  # services, areas, counters, kiosks, displays
    MANAGE_STAFF = "manage_staff"  # add, set role, reset password, disable
    MANAGE_DEVICES = "manage_devices"  # pair, rotate, revoke kiosks and displays
    IMPORT_HISTORY = "import_history"  # load a past log into the office's history


# The lowest role that may do each action.
LOWEST_ROLE: dict[Action, Role] = {
    Action.WORK_COUNTER: Role.CLERK,
    Action.ISSUE_AT_RECEPTION: Role.CLERK,
    Action.PICKUP: Role.CLERK,
    Action.VIEW_FLOOR: Role.SUPERVISOR,
    Action.SET_NOTICE: Role.SUPERVISOR,
    Action.SET_SERVICE_ISSUING: Role.SUPERVISOR,
    Action.CALL_TO_COUNTER: Role.SUPERVISOR,
    Action.REPRINT: Role.SUPERVISOR,
    Action.SET_ANY_COUNTER: Role.SUPERVISOR,
    Action.VIEW_REPORTS: Role.SUPERVISOR,
    Action.VIEW_AUDIT: Role.SUPERVISOR,
    Action.EDIT_SETTINGS: Role.ADMIN,
    Action.MANAGE_STAFF: Role.ADMIN,
    Action.MANAGE_DEVICES: Role.ADMIN,
    Action.IMPORT_HISTORY: Role.ADMIN,
}

# How the console names each action (Japanese first: the console's language).
ACTION_NAMES: dict[Action, str] = {
    Action.WORK_COUNTER: "自分の窓口の呼出・対応・転送",
    Action.ISSUE_AT_RECEPTION: "受付・案内での発券",
    Action.PICKUP: "交付窓口の準備完了・交付",
    Action.VIEW_FLOOR: "フロアの状況・警報",
    Action.SET_NOTICE: "お知らせの掲示",
    Action.SET_SERVICE_ISSUING: "発券の停止・再開、上限、受付終了時刻",
    Action.CALL_TO_COUNTER: "番号を指定の窓口へ呼出",
    Action.REPRINT: "受付票の再印刷",
    Action.SET_ANY_COUNTER: "どの窓口も開設・休止・閉鎖",
    Action.VIEW_REPORTS: "集計・日報・CSV/Excel",
    Action.VIEW_AUDIT: "操作記録の閲覧",
    Action.EDIT_SETTINGS: "庁舎の設定（業務・エリア・窓口・機器）",
    Action.MANAGE_STAFF: "職員の追加・権限・パスワード・停止",
    Action.MANAGE_DEVICES: "発券機・表示盤の登録・更新・失効",
    Action.IMPORT_HISTORY: "過去の記録の取り込み",
}


def may(role: Role, action: Action) -> bool:
    return role.rank >= LOWEST_ROLE[action].rank


def actions_of(role: Role) -> list[str]:
    return [str(a) for a in Action if may(role, a)]
