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
