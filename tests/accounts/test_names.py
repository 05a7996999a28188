"""Names sorted as people expect: family name first, titles left out, every script in its own
alphabetical order, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from elearning.accounts.models import User
from elearning.extensions import db
from elearning.i18n import alphabet_key, name_key
from elearning.names import sort_name_of


@pytest.mark.parametrize(
    ("name", "listed_as"),
    [
        ("Ana Ruiz", "Ruiz, Ana"),
        ("Hon. Justice Amina Yusuf", "Yusuf, Amina"),
        ("Судья Ирина Волкова", "Волкова, Ирина"),
        ("القاضي أحمد الراشد", "الراشد، أحمد"),
        ("王芳", "王芳"),  # family name first already
        ("法官 王丽华", "王丽华"),
        ("Madonna", "Madonna"),
        ("Judge", "Judge"),  # a title alone is the name
    ],
)
def test_a_name_is_listed_family_name_first_without_titles(name, listed_as):
    assert sort_name_of(name) == listed_as


def test_the_key_orders_each_script_alphabetically_ignoring_case_and_accents():
    names = ["Zola, Émile", "émile", "Ruiz, Ana", "Łopata, Łukasz", "Lopez, Eva", "Волкова, Ирина",
             "Алексеева, Мария", "الراشد، أحمد", "بدر، سلمى", "李娜", "王芳"]  # fmt: skip
    ordered = sorted(names, key=name_key)
    # Latin (É with the E, Ł with the L), Chinese by its pinyin (Li, Wang) among them;
    # then Cyrillic; then Arabic, where الراشد is filed under ر, after بدر.
    assert ordered == ["émile", "李娜", "Łopata, Łukasz", "Lopez, Eva", "Ruiz, Ana", "王芳",
                       "Zola, Émile", "Алексеева, Мария", "Волкова, Ирина", "بدر، سلمى",
                       "الراشد، أحمد"]  # fmt: skip
    assert all(set(name_key(name)) <= set("0123456789abcdef") for name in names)


def test_the_stored_key_follows_the_name_and_the_chosen_sort_name(app_ctx, create_user):
    judge = create_user(name="Judge Gabriel García Márquez")
    user = db.session.get(User, judge.id)
    assert user.listed_as == "Márquez, Gabriel García"
    user.sort_name = "García Márquez, Gabriel"
    db.session.commit()
    assert user.name_key == name_key("García Márquez, Gabriel")
    user.sort_name = None
    user.certificate_name = "Gabriel Marquez"
    db.session.commit()
    stored = db.session.scalar(select(User.name_key).where(User.id == judge.id))
    assert stored == name_key("Marquez, Gabriel")


def test_the_profile_sets_and_clears_the_sort_name(app, client, judge, csrf):
    page = client.get("/account/profile")
    assert "Lists of judges are sorted by it" in page.text and "Number 1, Judge" not in page.text
    form = {
        "csrf_token": csrf("/account/profile"),
        "certificate_name": "Gabriel García Márquez",
        "sort_name": "  García   Márquez, Gabriel ",
        "country": "",
        "institution": "",
        "position": "",
        "preferred_language": "",
        "time_zone": "",
    }
    assert client.post("/account/profile", data=form).status_code == 302
    with app.app_context():
        assert db.session.get(User, judge.id).sort_name == "García Márquez, Gabriel"
    assert "Márquez, Gabriel García" in client.get("/account/profile").text  # the derived hint
    form |= {"csrf_token": csrf("/account/profile"), "sort_name": ""}
    client.post("/account/profile", data=form)
    with app.app_context():
        user = db.session.get(User, judge.id)
        assert user.sort_name is None and user.name_key == name_key("Márquez, Gabriel García")


MIXED = ["Zola, Émile", "Волкова, Ирина", "Peña, Lucía", "Penzo, Rita", "Peralta, Juan",
         "Chávez, Eva", "Cruz, Luis", "Llorente, Mar", "Luna, Inés", "الراشد، أحمد", "بدر، سلمى",
         "Алексеева, Мария", "李娜", "王芳"]  # fmt: skip


def _in(language: str) -> list[str]:
    return sorted(MIXED, key=lambda name: alphabet_key(name, language))


def test_in_the_russian_alphabet_cyrillic_names_come_first_from_a_to_ya():
    ordered = _in("ru")
    assert ordered[:2] == ["Алексеева, Мария", "Волкова, Ирина"]
    assert ordered.index("Zola, Émile") < ordered.index("بدر، سلمى")  # the rest: root order


def test_in_the_arabic_alphabet_arabic_names_come_first_filed_after_the_article():
    ordered = _in("ar")
    assert ordered[:2] == ["بدر، سلمى", "الراشد، أحمد"]  # الراشد under ر, after ب


def test_in_the_chinese_order_chinese_names_come_first_by_pinyin():
    assert _in("zh")[:2] == ["李娜", "王芳"]  # Li, Wang


def test_in_the_spanish_alphabet_n_tilde_is_a_letter_after_n_and_ch_ll_are_not():
    ordered = [name for name in _in("es") if name[0].isascii()]
    assert ordered == ["Chávez, Eva", "Cruz, Luis", "Llorente, Mar", "Luna, Inés",
                       "Penzo, Rita", "Peña, Lucía", "Peralta, Juan", "Zola, Émile"]  # fmt: skip
    # ...where the root order (French, Portuguese) files ñ with n.
    assert _in("fr").index("Peña, Lucía") < _in("fr").index("Penzo, Rita")
    assert _in("es")[-4:] == ["Алексеева, Мария", "Волкова, Ирина", "بدر، سلمى", "الراشد، أحمد"]


def test_in_a_latin_alphabet_latin_names_come_first_in_the_root_order():
    latin = sorted((name for name in MIXED if name[0].isascii()), key=name_key)
    others = sorted((name for name in MIXED if not name[0].isascii()), key=name_key)
    assert _in("fr") == _in("pt") == _in("en") == latin + others  # 李娜 after the Latin names
