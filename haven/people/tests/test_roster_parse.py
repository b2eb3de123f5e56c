"""Reading and checking a roster CSV (no database): every bad line is reported with its file
line number (the header is line 1), its column as the file names it, and the reason.

The helpers here build roster files for the other roster tests too."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Iterable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.people.roster import NOT_UTF8, RosterProblem, roster_parse
from haven.people.upn import make_upn

TODAY = dt.date(2025, 1, 15)
HEADER = (
    "UPN",
    "Legal Surname",
    "Legal Forename",
    "Preferred Forename",
    "Date of Birth",
    "Sex",
    "Year Group",
    "SEN Status",
    "Looked After",
)


def upn(n: int) -> str:
    """The n-th of a family of valid UPNs (n up to 999,999)."""
    return make_upn(881, 4000 + n // 1000, 20, n % 1000)


def pupil_line(n: int, **changes: str) -> list[str]:
    """A valid line for pupil n, in HEADER's order; keyword arguments replace values."""
    values = {
        "UPN": upn(n),
        "Legal Surname": f"Surname{n}",
        "Legal Forename": f"Forename{n}",
        "Preferred Forename": "",
        "Date of Birth": "17/05/2012",
        "Sex": "F" if n % 2 else "M",
        "Year Group": "7",
        "SEN Status": "N",
        "Looked After": "N",
    }
    for key, value in changes.items():
        values[key.replace("_", " ")] = value
    return [values[h] for h in HEADER]


def roster_csv(
    rows: Iterable[Sequence[str]], header: Sequence[str] = HEADER, *, bom: bool = False, encoding: str = "utf-8"
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding)


def problems_of(content: bytes) -> list[RosterProblem]:
    return roster_parse(content, today=TODAY).problems


def one_problem(**changes: str) -> RosterProblem:
    """The only problem with a file of three pupils whose second (line 3) has these values."""
    problems = problems_of(roster_csv([pupil_line(1), pupil_line(2, **changes), pupil_line(3)]))
    assert len(problems) == 1, problems
    return problems[0]


def test_it_reads_a_good_file():
    parsed = roster_parse(roster_csv([pupil_line(1), pupil_line(2, Preferred_Forename="Bobby")]), today=TODAY)
    assert parsed.problems == []
    assert parsed.rows_total == 2
    assert [(r.line, r.upn) for r in parsed.rows] == [(2, upn(1)), (3, upn(2))]
    assert parsed.rows[1].values == {
        "legal_surname": "Surname2",
        "legal_forename": "Forename2",
        "preferred_forename": "Bobby",
        "date_of_birth": dt.date(2012, 5, 17),
        "sex": "M",
        "year_group": "7",
        "sen_status": "N",
        "looked_after": False,
    }


# --- UPN ---------------------------------------------------------------------------------


def test_a_wrong_check_letter_is_reported_with_its_line():
    good = upn(2)
    bad = ("B" if good[0] == "A" else "A") + good[1:]
    assert one_problem(UPN=bad) == RosterProblem(
        3, "UPN", f"“{bad}” is not a valid UPN: the check letter is wrong (expected {good[0]} for {good[1:]})"
    )


def test_a_short_upn_is_reported():
    assert one_problem(UPN="A12345") == RosterProblem(
        3, "UPN", "“A12345” is not a valid UPN: a UPN has 13 characters, this has 6"
    )


def test_a_upn_with_digits_from_another_script_is_reported():
    assert one_problem(UPN="A١٢٣٤٥٦٧٨٩٠١٢") == RosterProblem(
        3, "UPN", "“A١٢٣٤٥٦٧٨٩٠١٢” is not a valid UPN: use only A to Z and 0 to 9"
    )


def test_a_missing_upn_is_reported():
    assert one_problem(UPN="  ") == RosterProblem(3, "UPN", "the UPN is missing")


def test_a_lower_case_upn_is_accepted_as_capitals():
    parsed = roster_parse(roster_csv([pupil_line(1, UPN=upn(1).lower())]), today=TODAY)
    assert parsed.problems == []
    assert parsed.rows[0].upn == upn(1)


def test_a_duplicate_upn_names_both_lines():
    content = roster_csv([pupil_line(1), pupil_line(2), pupil_line(3, UPN=upn(1)), pupil_line(4, UPN=upn(1))])
    assert problems_of(content) == [
        RosterProblem(4, "UPN", f"the UPN {upn(1)} is also on line 2"),
        RosterProblem(5, "UPN", f"the UPN {upn(1)} is also on line 2"),
    ]


# --- Dates -------------------------------------------------------------------------------


def test_an_impossible_date_is_reported():
    assert one_problem(Date_of_Birth="31/02/2012") == RosterProblem(
        3, "Date of Birth", "“31/02/2012” is not a real date"
    )


def test_an_impossible_iso_date_is_reported():
    assert one_problem(Date_of_Birth="2012-13-01") == RosterProblem(
        3, "Date of Birth", "“2012-13-01” is not a real date"
    )


def test_an_unreadable_date_is_reported():
    assert one_problem(Date_of_Birth="17 May 2012") == RosterProblem(
        3, "Date of Birth", "“17 May 2012” is not a date we can read: write it as dd/mm/yyyy, like 17/05/2012"
    )


def test_a_two_digit_year_is_reported():
    assert one_problem(Date_of_Birth="17/05/12") == RosterProblem(
        3, "Date of Birth", "“17/05/12” has a short year: write the year in full, like 17/05/2012"
    )


def test_a_future_date_is_reported():
    assert one_problem(Date_of_Birth="16/01/2025") == RosterProblem(3, "Date of Birth", "“16/01/2025” is in the future")


def test_a_baby_is_not_a_pupil():
    assert one_problem(Date_of_Birth="2023-06-01") == RosterProblem(
        3, "Date of Birth", "“2023-06-01” makes the pupil 1 year old; pupils on a school roll are 2 to 25"
    )


def test_an_adult_over_25_is_not_a_pupil():
    assert one_problem(Date_of_Birth="14/01/1999") == RosterProblem(
        3, "Date of Birth", "“14/01/1999” makes the pupil 26 years old; pupils on a school roll are 2 to 25"
    )


def test_a_missing_date_is_reported():
    assert one_problem(Date_of_Birth="") == RosterProblem(3, "Date of Birth", "the date of birth is missing")


@pytest.mark.parametrize(
    ("written", "date"),
    [
        ("17/05/2012", dt.date(2012, 5, 17)),
        ("7/5/2012", dt.date(2012, 5, 7)),
        ("17-05-2012", dt.date(2012, 5, 17)),
        ("17.05.2012", dt.date(2012, 5, 17)),
        ("2012-05-17", dt.date(2012, 5, 17)),
        ("17/05/2012 00:00", dt.date(2012, 5, 17)),
        ("2012-05-17 00:00:00", dt.date(2012, 5, 17)),
        ("15/01/2023", dt.date(2023, 1, 15)),  # 2 today
        ("16/01/1999", dt.date(1999, 1, 16)),  # 25 today
    ],
)
def test_dates_are_read_day_first_or_iso(written, date):
    parsed = roster_parse(roster_csv([pupil_line(1, Date_of_Birth=written)]), today=TODAY)
    assert parsed.problems == []
    assert parsed.rows[0].values["date_of_birth"] == date


# --- Year groups, sex, SEN, looked after --------------------------------------------------


@pytest.mark.parametrize(
    ("written", "year"),
    [
        ("N1", "N1"),
        ("Nursery 2", "N2"),
        ("R", "R"),
        ("Reception", "R"),
        ("YR", "R"),
        ("1", "1"),
        ("07", "7"),
        ("Year 7", "7"),
        ("Y7", "7"),
        ("yr 10", "10"),
        ("NC Year 11", "11"),
        ("14", "14"),
    ],
)
def test_year_groups_are_mapped(written, year):
    parsed = roster_parse(roster_csv([pupil_line(1, Year_Group=written)]), today=TODAY)
    assert parsed.problems == []
    assert parsed.rows[0].values["year_group"] == year


@pytest.mark.parametrize("written", ["15", "0", "Year 15", "X", "Sixth form"])
def test_an_unknown_year_group_is_reported(written):
    assert one_problem(Year_Group=written) == RosterProblem(
        3, "Year Group", f"“{written}” is not a year group we know: use N1, N2, R (Reception) or 1 to 14"
    )


def test_a_missing_year_group_is_reported():
    assert one_problem(Year_Group="") == RosterProblem(3, "Year Group", "the year group is missing")


@pytest.mark.parametrize(
    ("written", "sex"), [("F", "F"), ("f", "F"), ("Female", "F"), ("M", "M"), ("MALE", "M"), ("U", "U"), ("", "U")]
)
def test_sex_is_read(written, sex):
    parsed = roster_parse(roster_csv([pupil_line(1, Sex=written)]), today=TODAY)
    assert parsed.rows[0].values["sex"] == sex


def test_a_long_bad_value_is_cut_short_in_its_message():
    assert one_problem(Sex="Q" * 500) == RosterProblem(
        3, "Sex", f"“{'Q' * 39}…” is not a sex we know: use F, M or U (not known)"
    )


def test_digits_from_other_scripts_are_not_a_date():
    assert one_problem(Date_of_Birth="١٧/٠٥/٢٠١٢").message.endswith(
        "is not a date we can read: write it as dd/mm/yyyy, like 17/05/2012"
    )


def test_an_unknown_sex_is_reported():
    assert one_problem(Sex="Q") == RosterProblem(3, "Sex", "“Q” is not a sex we know: use F, M or U (not known)")


@pytest.mark.parametrize(
    ("written", "sen"),
    [
        ("N", "N"),
        ("", "N"),
        ("No Special Educational Need", "N"),
        ("K", "K"),
        ("SEN Support", "K"),
        ("E", "E"),
        ("EHCP", "E"),
        ("Education, Health and Care Plan", "E"),
    ],
)
def test_sen_status_is_read(written, sen):
    parsed = roster_parse(roster_csv([pupil_line(1, SEN_Status=written)]), today=TODAY)
    assert parsed.rows[0].values["sen_status"] == sen


def test_an_unknown_sen_status_is_reported():
    assert one_problem(SEN_Status="S") == RosterProblem(
        3,
        "SEN Status",
        "“S” is not an SEN status we know: use N (no special educational need), K (SEN support) "
        "or E (education, health and care plan)",
    )


@pytest.mark.parametrize(
    ("written", "flag"),
    [("Y", True), ("Yes", True), ("TRUE", True), ("N", False), ("No", False), ("False", False), ("", False)],
)
def test_looked_after_is_read(written, flag):
    parsed = roster_parse(roster_csv([pupil_line(1, Looked_After=written)]), today=TODAY)
    assert parsed.rows[0].values["looked_after"] is flag


def test_an_unknown_looked_after_value_is_reported():
    assert one_problem(Looked_After="maybe") == RosterProblem(
        3, "Looked After", "“maybe” is not yes or no: use Y or N (or leave it blank for no)"
    )


def test_a_missing_surname_is_reported():
    assert one_problem(Legal_Surname=" ") == RosterProblem(3, "Legal Surname", "the legal surname is missing")


def test_a_very_long_name_is_reported():
    assert one_problem(Legal_Forename="A" * 101) == RosterProblem(
        3, "Legal Forename", "the legal forename is longer than 100 characters"
    )


def test_names_keep_their_accents_and_lose_stray_spaces():
    parsed = roster_parse(
        roster_csv([pupil_line(1, Legal_Forename="  Zoë  Ann ", Legal_Surname="O’Brien")]), today=TODAY
    )
    assert parsed.rows[0].values["legal_forename"] == "Zoë Ann"
    assert parsed.rows[0].values["legal_surname"] == "O’Brien"


# --- Lines and the file as a whole -----------------------------------------------------


def test_every_problem_in_a_line_and_in_the_file_is_reported():
    content = roster_csv(
        [pupil_line(1, Sex="Q", Year_Group="99"), pupil_line(2), pupil_line(3, Date_of_Birth="30/02/2012")]
    )
    assert [(p.line, p.column) for p in problems_of(content)] == [(2, "Sex"), (2, "Year Group"), (4, "Date of Birth")]


def test_line_numbers_count_blank_lines_and_line_breaks_inside_quotes():
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerow(pupil_line(1, Legal_Surname="Two\nLines"))  # lines 2 and 3
    out.write("\n")  # line 4, blank
    writer.writerow(pupil_line(2, Sex="Q"))  # line 5
    parsed = roster_parse(out.getvalue().encode(), today=TODAY)
    assert parsed.problems == [RosterProblem(5, "Sex", "“Q” is not a sex we know: use F, M or U (not known)")]
    assert parsed.rows_total == 2


def test_a_line_with_too_many_values_is_reported():
    content = roster_csv([pupil_line(1), [*pupil_line(2), "Jr"]])
    assert problems_of(content) == [
        RosterProblem(
            3,
            "",
            "this line has 10 values but the header has 9 columns: is there a comma in a name without quotes around it?",
        )
    ]


def test_trailing_empty_values_are_harmless():
    assert problems_of(roster_csv([[*pupil_line(1), "", ""]])) == []


def test_a_short_line_reports_its_missing_values():
    content = roster_csv([pupil_line(1)[:3]])
    assert [(p.line, p.column) for p in problems_of(content)] == [(2, "Date of Birth"), (2, "Year Group")]


def test_an_empty_file_is_reported():
    assert problems_of(b"") == [RosterProblem(1, "", "the file is empty: the first line should be the column headers")]


def test_a_header_without_pupils_is_reported():
    assert problems_of(roster_csv([])) == [RosterProblem(1, "", "the file has a header line but no pupils")]


def test_missing_columns_are_named():
    header = ("UPN", "Forename", "Year")
    assert problems_of(roster_csv([[upn(1), "Ann", "7"]], header=header)) == [
        RosterProblem(1, "", "the header line has no column for: Legal surname, Date of birth, Sex")
    ]


def test_the_same_column_twice_is_reported():
    header = (*HEADER, "legal surname")
    assert problems_of(roster_csv([[*pupil_line(1), "Other"]], header=header)) == [
        RosterProblem(
            1, "legal surname", "two columns give the legal surname (“Legal Surname” and “legal surname”): keep one"
        )
    ]


def test_the_more_exact_of_two_headers_wins():
    header = ("Gender", "Surname", "UPN", "Legal Surname", "Forename", "DOB", "Sex", "Year")
    row = ["Non-binary", "Preferred", upn(1), "Legal", "Ann", "17/05/2012", "F", "7"]
    parsed = roster_parse(roster_csv([row], header=header), today=TODAY)
    assert parsed.problems == []
    assert (parsed.rows[0].values["legal_surname"], parsed.rows[0].values["sex"]) == ("Legal", "F")


def test_a_control_character_in_a_name_is_reported():
    assert one_problem(Legal_Surname="Sm\x00ith") == RosterProblem(
        3, "Legal Surname", "the legal surname has a hidden control character in it: retype it or export again"
    )


def test_an_unclosed_quote_is_reported_on_its_line():
    content = (
        roster_csv([pupil_line(1)])
        + b'"'
        + upn(2).encode()
        + b",Smith\r\n"
        + roster_csv([pupil_line(3)], header=[])[2:]
    )
    assert problems_of(content) == [
        RosterProblem(3, "", "this line cannot be read as CSV: check its quote marks (unexpected end of data)")
    ]


def test_a_stray_quote_is_reported_on_its_line():
    content = roster_csv([pupil_line(1)]) + b'"Smith"x,Ann\r\n' + roster_csv([pupil_line(3)], header=[])[2:]
    assert problems_of(content) == [
        RosterProblem(3, "", "this line cannot be read as CSV: check its quote marks (',' expected after '\"')")
    ]


# --- Headers and encodings -----------------------------------------------------------------


def test_mis_header_variants_are_understood():
    header = ("upn", "SURNAME", "Forename", "Known As", "DOB", "Gender", "NC Year", "SEN", "CLA", "Tutor group")
    row = [upn(1), "Smith", "Ann", "Annie", "2012-05-17", "Female", "Year 7", "K", "Yes", "7B"]
    parsed = roster_parse(roster_csv([row], header=header), today=TODAY)
    assert parsed.problems == []
    assert parsed.rows[0].values == {
        "legal_surname": "Smith",
        "legal_forename": "Ann",
        "preferred_forename": "Annie",
        "date_of_birth": dt.date(2012, 5, 17),
        "sex": "F",
        "year_group": "7",
        "sen_status": "K",
        "looked_after": True,
    }


@pytest.mark.parametrize(
    "header",
    [
        ("UPN", "Legal Surname", "Legal Forename", "Date of Birth", "Sex", "Year Group", "In Care"),
        ("Unique Pupil Number", "Last Name", "First Name", "D.O.B.", "Legal Sex", "Year_Group", "Looked-After"),
        (" UPN ", "legal surname", "LEGAL FORENAME", "dateofbirth", "sex", "yeargroup", "looked after"),
    ],
)
def test_headers_are_read_whatever_their_case_and_punctuation(header):
    row = [upn(1), "Smith", "Ann", "17/05/2012", "F", "R", "N"]
    parsed = roster_parse(roster_csv([row], header=header), today=TODAY)
    assert parsed.problems == []
    assert parsed.fields == ("legal_surname", "legal_forename", "date_of_birth", "sex", "year_group", "looked_after")


def test_optional_columns_may_be_left_out():
    header = ("UPN", "Surname", "Forename", "DOB", "Sex", "Year")
    parsed = roster_parse(roster_csv([[upn(1), "Smith", "Ann", "17/05/2012", "F", "7"]], header=header), today=TODAY)
    assert parsed.problems == []
    assert parsed.fields == ("legal_surname", "legal_forename", "date_of_birth", "sex", "year_group")


def test_a_byte_order_mark_is_accepted():
    parsed = roster_parse(roster_csv([pupil_line(1, Legal_Forename="Zoë")], bom=True), today=TODAY)
    assert parsed.problems == []
    assert parsed.rows[0].values["legal_forename"] == "Zoë"


def test_a_windows_encoded_file_is_refused_at_the_first_unreadable_line():
    content = roster_csv([pupil_line(1), pupil_line(2, Legal_Forename="Zoë")], encoding="cp1252")
    assert problems_of(content) == [
        RosterProblem(3, "", f"{NOT_UTF8} (the first character that cannot be read is on this line)")
    ]


def test_a_utf16_file_is_refused():
    content = roster_csv([pupil_line(1)], encoding="utf-16")
    assert problems_of(content) == [
        RosterProblem(1, "", f"{NOT_UTF8} (this file is UTF-16, which Excel calls “Unicode text”)")
    ]


def test_progress_is_reported_every_thousand_rows():
    calls = []
    roster_parse(
        roster_csv(pupil_line(n) for n in range(2500)), today=TODAY, progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(0, 2500), (1000, 2500), (2000, 2500), (2500, 2500)]


# --- Properties ------------------------------------------------------------------------------

names = st.text(
    alphabet=st.characters(categories=("L", "Zs"), exclude_characters="\x85\xa0\u2028\u2029"), min_size=1, max_size=30
).filter(lambda s: s.strip())
pupils = st.fixed_dictionaries(
    {
        "surname": names,
        "forename": names,
        "dob": st.dates(min_value=dt.date(2000, 1, 16), max_value=dt.date(2023, 1, 15)),
        "sex": st.sampled_from(["F", "M", "U"]),
        "year": st.sampled_from(["N1", "N2", "R", *map(str, range(1, 15))]),
        "sen": st.sampled_from(["N", "K", "E"]),
        "cla": st.booleans(),
        "iso": st.booleans(),
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(pupils, min_size=1, max_size=20), st.booleans())
def test_any_well_formed_roster_reads_back_exactly(people, bom):
    rows = [
        [
            upn(n),
            p["surname"],
            p["forename"],
            "",
            p["dob"].isoformat() if p["iso"] else p["dob"].strftime("%d/%m/%Y"),
            p["sex"],
            p["year"],
            p["sen"],
            "Y" if p["cla"] else "N",
        ]
        for n, p in enumerate(people)
    ]
    parsed = roster_parse(roster_csv(rows, bom=bom), today=TODAY)
    assert parsed.problems == []
    assert [(r.line, r.upn) for r in parsed.rows] == [(n + 2, upn(n)) for n in range(len(people))]
    for row, p in zip(parsed.rows, people, strict=True):
        assert row.values["date_of_birth"] == p["dob"]
        assert row.values["year_group"] == p["year"]
        assert row.values["looked_after"] is p["cla"]
        assert row.values["legal_surname"] == unicodedata.normalize("NFC", " ".join(p["surname"].split()))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=30), min_size=2, max_size=40))
def test_duplicates_are_always_reported_against_the_first_line(ns):
    parsed = roster_parse(roster_csv(pupil_line(n) for n in ns), today=TODAY)
    first: dict[int, int] = {}
    expected = []
    for line, n in enumerate(ns, start=2):
        if n in first:
            expected.append(RosterProblem(line, "UPN", f"the UPN {upn(n)} is also on line {first[n]}"))
        else:
            first[n] = line
    assert parsed.problems == expected
