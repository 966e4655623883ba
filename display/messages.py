"""What a floor display says and the labels it shows, per language.

A call is a fixed template (number × counter × language), so the few sentences live here
rather than in the server's gettext catalogs: the display package must not depend on the
server (the printer's ticket phrases follow the same rule). Placeholders are ``str.format``
fields: ``{number}`` the ticket number as said in that language, ``{counter}`` the desk.
"""

from __future__ import annotations

from typing import Final

# kind -> lang -> sentence. "recall" is a second call of the same number; "ready" calls a
# number to the pickup counter (交付) once the document is made.
ANNOUNCEMENTS: Final[dict[str, dict[str, str]]] = {
    "call": {
        "ja": "受付番号 {number}の方、{counter}番窓口へお越しください。",
        "ja-easy": "{number}の かた、{counter}ばんの まどぐちへ きて ください。",
        "en": "Ticket number {number}, please come to counter {counter}.",
        "zh": "请{number}号到{counter}号窗口。",
        "ko": "{number}번 고객님, {counter}번 창구로 오십시오.",
        "vi": "Xin mời số {number} đến quầy số {counter}.",
        "ne": "टिकट नम्बर {number}, कृपया काउन्टर नम्बर {counter} मा आउनुहोस्।",
    },
    "recall": {
        "ja": "受付番号 {number}の方、もう一度お呼びします。{counter}番窓口へお越しください。",
        "ja-easy": "もう いちど よびます。{number}の かた、{counter}ばんの まどぐちへ きて ください。",
        "en": "Calling again: ticket number {number}, please come to counter {counter}.",
        "zh": "再次呼叫：请{number}号到{counter}号窗口。",
        "ko": "다시 안내해 드립니다. {number}번 고객님, {counter}번 창구로 오십시오.",
        "vi": "Xin nhắc lại: mời số {number} đến quầy số {counter}.",
        "ne": "फेरि बोलाउँदै: टिकट नम्बर {number}, कृपया काउन्टर नम्बर {counter} मा आउनुहोस्।",
    },
    "ready": {
        "ja": "受付番号 {number}の方、証明書の準備ができました。{counter}番窓口へお越しください。",
        "ja-easy": "{number}の かた、しょうめいしょが できました。{counter}ばんの まどぐちへ きて ください。",
        "en": "Ticket number {number}, your certificate is ready. Please come to counter {counter}.",
        "zh": "{number}号，您的证明书已准备好，请到{counter}号窗口领取。",
        "ko": "{number}번 고객님, 증명서가 준비되었습니다. {counter}번 창구로 오십시오.",
        "vi": "Số {number}: giấy chứng nhận đã sẵn sàng. Xin mời đến quầy số {counter}.",
        "ne": "टिकट नम्बर {number}, तपाईंको प्रमाणपत्र तयार छ। कृपया काउन्टर नम्बर {counter} मा आउनुहोस्।",
    },
    "recall_ready": {
        "ja": "受付番号 {number}の方、もう一度お呼びします。証明書の準備ができました。{counter}番窓口へお越しください。",
        "ja-easy": "もう いちど よびます。{number}の かた、しょうめいしょが できました。{counter}ばんの まどぐちへ きて ください。",
        "en": "Calling again: ticket number {number}, your certificate is ready. Please come to counter {counter}.",
        "zh": "再次呼叫：{number}号，您的证明书已准备好，请到{counter}号窗口领取。",
        "ko": "다시 안내해 드립니다. {number}번 고객님, 증명서가 준비되었습니다. {counter}번 창구로 오십시오.",
        "vi": "Xin nhắc lại: số {number}, giấy chứng nhận đã sẵn sàng. Xin mời đến quầy số {counter}.",
        "ne": "फेरि बोलाउँदै: टिकट नम्बर {number}, तपाईंको प्रमाणपत्र तयार छ। कृपया काउन्टर नम्बर {counter} मा आउनुहोस्।",
    },
}

# How a voice says the letters of a ticket prefix in Japanese (the synthesiser skips
# Latin letters or spells them oddly; "A" read as エー is how a ward office says it).
KANA_LETTERS: Final = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        [
            "エー",
            "ビー",
            "シー",
            "ディー",
            "イー",
            "エフ",
            "ジー",
            "エイチ",
            "アイ",
            "ジェー",
            "ケー",
            "エル",
            "エム",
            "エヌ",
            "オー",
            "ピー",
            "キュー",
            "アール",
            "エス",
            "ティー",
            "ユー",
            "ブイ",
            "ダブリュー",
            "エックス",
            "ワイ",
            "ゼット",
        ],
        strict=True,
    )
)

# Screen labels: key -> lang -> text. The page cycles through the display's languages.
LABELS: Final[dict[str, dict[str, str]]] = {
    "calling": {
        "ja": "呼出中の番号",
        "ja-easy": "よばれている ばんごう",
        "en": "Now calling",
        "zh": "正在叫号",
        "ko": "호출 중인 번호",
        "vi": "Đang gọi số",
        "ne": "बोलाइँदै",
    },
    "newest": {
        "ja": "ただいまの呼出",
        "ja-easy": "いま よんだ ばんごう",
        "en": "Just called",
        "zh": "最新叫号",
        "ko": "방금 호출",
        "vi": "Vừa gọi",
        "ne": "भर्खरै बोलाइएको",
    },
    "counter": {
        "ja": "番窓口",
        "ja-easy": "ばん まどぐち",
        "en": "Counter",
        "zh": "号窗口",
        "ko": "번 창구",
        "vi": "Quầy",
        "ne": "काउन्टर",
    },
    "ready": {
        "ja": "交付呼出し中",
        "ja-easy": "しょうめいしょが できた ばんごう",
        "en": "Ready for pickup",
        "zh": "可领取",
        "ko": "교부 호출 중",
        "vi": "Sẵn sàng nhận",
        "ne": "लिन तयार",
    },
    "recent": {
        "ja": "最近の呼出",
        "ja-easy": "さっき よんだ ばんごう",
        "en": "Recent calls",
        "zh": "最近叫号",
        "ko": "최근 호출",
        "vi": "Số vừa gọi",
        "ne": "हालै बोलाइएका",
    },
    "waiting": {
        "ja": "待ち人数",
        "ja-easy": "まっている ひと",
        "en": "Waiting",
        "zh": "等候人数",
        "ko": "대기 인원",
        "vi": "Đang chờ",
        "ne": "पर्खिरहेका",
    },
    "people": {
        "ja": "{n}人",
        "ja-easy": "{n}にん",
        "en": "{n}",
        "zh": "{n}人",
        "ko": "{n}명",
        "vi": "{n}",
        "ne": "{n} जना",
    },
    "estimate": {
        "ja": "待ち時間の目安",
        "ja-easy": "まつ じかん",
        "en": "Estimated wait",
        "zh": "预计等候",
        "ko": "예상 대기",
        "vi": "Thời gian chờ",
        "ne": "अनुमानित प्रतीक्षा",
    },
    "minutes": {
        "ja": "約{lo}〜{hi}分",
        "ja-easy": "やく {lo}〜{hi}ふん",
        "en": "about {lo}–{hi} min",
        "zh": "约{lo}〜{hi}分钟",
        "ko": "약 {lo}~{hi}분",
        "vi": "khoảng {lo}–{hi} phút",
        "ne": "करिब {lo}–{hi} मिनेट",
    },
    "issuing": {
        "ja": "発券中",
        "ja-easy": "けんを だして います",
        "en": "Tickets available",
        "zh": "正在发号",
        "ko": "발권 중",
        "vi": "Đang phát số",
        "ne": "टिकट उपलब्ध",
    },
    "issuing_closed": {
        "ja": "本日の受付は終了しました",
        "ja-easy": "きょうの うけつけは おわりました",
        "en": "Ticket issuing has ended for today",
        "zh": "今日受理已结束",
        "ko": "오늘 접수는 마감되었습니다",
        "vi": "Đã hết giờ phát số hôm nay",
        "ne": "आजको टिकट वितरण समाप्त भयो",
    },
    "service_closed": {
        "ja": "受付終了",
        "ja-easy": "おわり",
        "en": "Closed",
        "zh": "已截止",
        "ko": "접수 마감",
        "vi": "Đã đóng",
        "ne": "बन्द",
    },
    "none": {
        "ja": "ただいま呼出中の番号はありません",
        "ja-easy": "いま よんで いる ばんごうは ありません",
        "en": "No numbers are being called",
        "zh": "目前没有叫号",
        "ko": "현재 호출 중인 번호가 없습니다",
        "vi": "Hiện không gọi số nào",
        "ne": "अहिले कुनै नम्बर बोलाइएको छैन",
    },
    "offline": {
        "ja": "通信中断",
        "ja-easy": "つながって いません",
        "en": "Offline",
        "zh": "连接中断",
        "ko": "연결 끊김",
        "vi": "Mất kết nối",
        "ne": "अफलाइन",
    },
    "sound_off": {
        "ja": "音声停止中",
        "ja-easy": "おとが でません",
        "en": "Sound blocked",
        "zh": "声音已停止",
        "ko": "음성 꺼짐",
        "vi": "Tắt âm thanh",
        "ne": "आवाज बन्द",
    },
}

# The pairing screen is for the staff who set the display up: Japanese, then English.
PAIRING: Final = {
    "title": "この表示盤はまだ登録されていません / This display is not paired",
    "refused": "登録トークンが受け付けられませんでした / The display token was refused",
    "steps": [
        "サーバーで次のコマンドを実行してください / On the server, run:",
        "madoguchi device token {display}",
        "表示されたトークンを付けてこのページを開いてください / Then open this page with it:",
        "{address}?token=…",
    ],
}
