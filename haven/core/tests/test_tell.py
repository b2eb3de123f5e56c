def test_a_schools_reporting_link_names_the_school_and_help(client, world):
    r = client.get(f"/tell/{world.school_a.report_code}/")
    assert r.status_code == 200
    assert "Alder Academy" in r.text
    assert "0800 1111" in r.text


def test_an_unknown_code_is_not_found(client, world):
    assert client.get("/tell/not-a-real-code/").status_code == 404


def test_report_codes_are_unguessable_and_distinct(world):
    codes = {world.school_a.report_code, world.school_b.report_code, world.school_m.report_code}
    assert len(codes) == 3
    assert all(len(c) >= 12 for c in codes)
