"""What the floor display's page needs besides its live view: its labels in every language,
and the pairing screen's words.

The labels come from the display's catalog (display/locale/display.pot and a .po per
language), all sent with the page: the screen cycles through its languages every few seconds
without asking the server.
"""

from __future__ import annotations

from typing import Final

from printer.catalog import load


def labels() -> dict[str, dict[str, str]]:
    """key -> language -> text, as display.js looks a label up."""
    words = load("display", "display").words
    return {key: {lang: texts[key] for lang, texts in words.items()} for key in words["ja"]}


# The pairing screen is for the staff who set the display up, not for visitors: Japanese,
# then English, whatever the display's languages (as on the other staff screens).
PAIRING: Final = {
    "title": "この表示盤はまだ登録されていません / This display is not paired",
    "refused": "登録トークンが受け付けられませんでした / The display token was refused",
    "steps": [
        "サーバーで次のコマンドを実行してください / On the server, run:",
        "madoguchi device token {display}",
        "表示されたトークンを付けてこのページを開いてください / Then open this page with it:",
        "{address}#token=…",
    ],
}
