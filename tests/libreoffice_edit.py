"""Edit a RACI workbook in LibreOffice as an analyst would, then save it as .xlsx.

Run with a Python that has LibreOffice's `uno` module (Debian: /usr/bin/python3 with python3-uno):
    python3 libreoffice_edit.py IN.xlsx OUT.xlsx PORT PROFILE_URL EDITS_JSON
EDITS_JSON is a list of [domain_id, column heading, text]. The RACI sheet is sorted by domain_name
(Z to A), the edits are typed, rows with domain_number <= 3 are filtered out, column C is hidden.
Prints the check column's computed text per domain id, as JSON.
"""

import json
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.sheet import TableFilterField
from com.sun.star.sheet.FilterOperator import GREATER
from com.sun.star.table import TableSortField


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(port):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(240):
        try:
            return resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
        except Exception:
            time.sleep(0.25)
    raise SystemExit("LibreOffice did not start")


def edit(doc, edits):
    sheet = doc.Sheets.getByName("RACI")
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    last_col, last_row = cursor.RangeAddress.EndColumn, cursor.RangeAddress.EndRow
    table = sheet.getCellRangeByPosition(0, 0, last_col, last_row)
    by_name = TableSortField()
    by_name.Field, by_name.IsAscending = 2, False
    sort = table.createSortDescriptor()
    for p in sort:
        if p.Name == "SortFields":
            p.Value = uno.Any("[]com.sun.star.table.TableSortField", (by_name,))
        elif p.Name == "ContainsHeader":
            p.Value = True
    table.sort(sort)
    headings = [sheet.getCellByPosition(c, 0).getString() for c in range(last_col + 1)]
    rows = {sheet.getCellByPosition(1, r).getString(): r for r in range(1, last_row + 1)}
    for domain_id, heading, text in edits:
        sheet.getCellByPosition(headings.index(heading), rows[domain_id]).setString(text)
    doc.calculateAll()
    checks = {d: sheet.getCellByPosition(last_col, r).getString() for d, r in rows.items()}
    keep = TableFilterField()
    keep.Field, keep.Operator, keep.IsNumeric, keep.NumericValue = 0, GREATER, True, 3
    condition = table.createFilterDescriptor(True)
    condition.ContainsHeader = True
    condition.FilterFields = (keep,)
    table.filter(condition)
    sheet.Columns.getByIndex(2).IsVisible = False
    return checks


def main(source, target, port, profile, edits):
    office = subprocess.Popen(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--invisible", "--norestore",
         f"--accept=socket,host=127.0.0.1,port={port};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        ctx = connect(port)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0, (prop("Hidden", True),))
        checks = edit(doc, json.loads(edits))
        doc.storeToURL(uno.systemPathToFileUrl(target), (prop("FilterName", "Calc MS Excel 2007 XML"),))
        doc.close(True)
        print(json.dumps(checks))
    finally:
        office.terminate()
        office.wait(60)


if __name__ == "__main__":
    main(*sys.argv[1:6])
