"""What a lesson's HTML may hold: the callouts and their headings in each language, and the
tags, attributes and link schemes the sanitiser lets through (everything else is removed)."""

from __future__ import annotations

from collections.abc import Mapping

CALLOUT_KINDS = ("case-study", "key-point", "reflection", "further-reading")

# Callout headings are part of the lesson, so they follow the lesson's language, not the page's.
CALLOUT_LABELS: Mapping[str, Mapping[str, str]] = {
    "case-study": {
        "en": "Case study",
        "fr": "Étude de cas",
        "es": "Estudio de caso",
        "ar": "دراسة حالة",
        "zh": "案例研究",
        "ru": "Практический случай",
        "pt": "Estudo de caso",
    },
    "key-point": {
        "en": "Key point",
        "fr": "Point clé",
        "es": "Idea clave",
        "ar": "نقطة أساسية",
        "zh": "要点",
        "ru": "Главное",
        "pt": "Ponto-chave",
    },
    "reflection": {
        "en": "Reflection",
        "fr": "Réflexion",
        "es": "Reflexión",
        "ar": "تأمل",
        "zh": "思考",
        "ru": "Вопрос для размышления",
        "pt": "Reflexão",
    },
    "further-reading": {
        "en": "Further reading",
        "fr": "Pour aller plus loin",
        "es": "Lecturas complementarias",
        "ar": "قراءات إضافية",
        "zh": "延伸阅读",
        "ru": "Дополнительные материалы",
        "pt": "Leituras complementares",
    },
}

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "sup",
    "sub",
    "abbr",
    "dl",
    "dt",
    "dd",
    "span",  # a phrase in another language: <span lang="fr">juge de la mise en état</span>
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "ol": {"start"},
    "th": {"scope"},
    "span": {"lang", "dir"},
}
URL_SCHEMES = {"http", "https", "mailto", "lesson"}

# The words around a lesson's figures and media, in the lesson's language. ``{kind}`` is the
# file's type ("SVG") and ``{size}`` its size, written with the unit below.
MEDIA_LABELS: Mapping[str, Mapping[str, str]] = {
    "image": {
        "en": "Show the figure",
        "fr": "Afficher la figure",
        "es": "Mostrar la figura",
        "ar": "عرض الشكل",
        "zh": "显示图示",
        "ru": "Показать рисунок",
        "pt": "Mostrar a figura",
    },
    "video": {
        "en": "Show the video",
        "fr": "Afficher la vidéo",
        "es": "Mostrar el vídeo",
        "ar": "عرض الفيديو",
        "zh": "显示视频",
        "ru": "Показать видео",
        "pt": "Mostrar o vídeo",
    },
    "audio": {
        "en": "Show the recording",
        "fr": "Afficher l’enregistrement",
        "es": "Mostrar la grabación",
        "ar": "عرض التسجيل",
        "zh": "显示录音",
        "ru": "Показать аудиозапись",
        "pt": "Mostrar a gravação",
    },
    "transcript": {
        "en": "Transcript",
        "fr": "Transcription",
        "es": "Transcripción",
        "ar": "النص المكتوب",
        "zh": "文字稿",
        "ru": "Расшифровка",
        "pt": "Transcrição",
    },
    "figure": {
        "en": "Figure",
        "fr": "Figure",
        "es": "Figura",
        "ar": "شكل",
        "zh": "图示",
        "ru": "Рисунок",
        "pt": "Figura",
    },
    "kilobytes": {
        "en": "{size} KB",
        "fr": "{size} Ko",
        "es": "{size} KB",
        "ar": "{size} كيلوبايت",
        "zh": "{size} KB",
        "ru": "{size} КБ",
        "pt": "{size} KB",
    },
    "megabytes": {
        "en": "{size} MB",
        "fr": "{size} Mo",
        "es": "{size} MB",
        "ar": "{size} ميغابايت",
        "zh": "{size} MB",
        "ru": "{size} МБ",
        "pt": "{size} MB",
    },
}
