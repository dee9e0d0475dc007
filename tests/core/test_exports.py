import io

from openpyxl import load_workbook

from core.exports import csv_response, read_table, safe_cell, xlsx_response


def test_cells_that_look_like_formulas_are_escaped():
    for bad in ("=1+1", "+86", "-2", "@SUM(A1)", "\tx"):
        assert safe_cell(bad).startswith("'")
    assert safe_cell("红寺堡") == "红寺堡"
    assert safe_cell(-2) == -2


def test_csv_has_a_bom_and_escapes():
    response = csv_response("t", ["名称"], [["=cmd()"], ["红寺堡"]])
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff名称")
    assert "'=cmd()" in body


def test_xlsx_round_trips_chinese_headers():
    response = xlsx_response("t", ["网格", "人口"], [["第1网格", 300]])
    ws = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in ws[1]] == ["网格", "人口"]
    header, rows = read_table("t.xlsx", response.content)
    assert header == ["网格", "人口"] and rows == [["第1网格", "300"]]


def test_gbk_csv_from_chinese_excel_is_read():
    data = "编码,名称\r\n640303,红寺堡区\r\n".encode("gbk")
    header, rows = read_table("x.csv", data)
    assert header == ["编码", "名称"]
    assert rows == [["640303", "红寺堡区"]]
