"""Files as real tools write them (Excel, SAP, an old Mac, R, MySQL, a US web shop), made here
with Python so that each trait is spelled out. Each function returns the file's bytes."""

from __future__ import annotations

import json
import random

_GERMAN_CUSTOMERS = [
    ("Müller Bäckerei GmbH", "München", "1.234,50"),
    ("Schäfer & Söhne KG", "Köln", "89,90"),
    ("Weiß Getränke", "Düsseldorf", "12.000,00"),
    ("Größer Fahrräder", "Nürnberg", "450,75"),
    ("Krüger Büromöbel", "Lüneburg", "3.999,99"),
]


def excel_sep_export() -> bytes:
    """Excel's "CSV (semicolon)" with the `sep=;` hint it writes for other locales, cp1252."""
    lines = ["sep=;", "Kundennr.;Firma;Ort;Umsatz €"]
    lines += [
        f"{1001 + i};{name};{town};{amount}" for i, (name, town, amount) in enumerate(_GERMAN_CUSTOMERS)
    ]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def old_mac_export() -> bytes:
    """Excel 2004 for Mac: mac-roman, CR line ends, a quoted cell with a line break in it."""
    lines = [
        "Réf,Désignation,Prix,Stock",
        'A-100,"Crème brûlée",4.50,12',
        'A-101,"Pâté de campagne\rterrine 250 g",6.20,3',
        "A-102,Œufs frais,2.90,40",
        "A-103,Café moulu,5.10,0",
    ]
    return ("\r".join(lines) + "\r").encode("mac-roman")


def huge_cell_export(cell_bytes: int) -> bytes:
    """A CRM export whose `payload` column holds a JSON document of about `cell_bytes` bytes."""
    rng = random.Random(7)
    events: list[dict[str, str]] = []
    size = 0
    while size < cell_bytes:
        events.append({"at": f"2024-01-{rng.randint(1, 28):02d}", "page": f"/produits/{rng.randint(1, 999)}"})
        size += len(json.dumps(events[-1])) + 2
    payload = json.dumps({"visitor": "v-42", "events": events}).replace('"', '""')
    rows = ["id,name,payload", f'1,Élodie,"{payload}"', '2,Jérôme,"{""events"": []}"']
    return ("\n".join(rows) + "\n").encode("utf-8")


def sap_dates_export() -> bytes:
    """SAP list export (German locale): day.month.year dates, times, decimal commas, tabs."""
    lines = ["Belegnr.\tBelegdatum\tBuchungsdatum\tErfasst am\tBetrag"]
    rows = [
        ("4900001", "31.01.2024", "01.02.2024", "31.01.2024 17:45:02", "1.250,00"),
        ("4900002", "15.02.2024", "16.02.2024", "15.02.2024 08:05:59", "99,95"),
        ("4900003", "01.03.2024", "04.03.2024", "01.03.2024 12:00:00", "10,00"),
        ("4900004", "29.02.2024", "01.03.2024", "29.02.2024 23:59:59", "7,10"),
    ]
    lines += ["\t".join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def us_shop_export() -> bytes:
    """A US web shop's order export: month/day/year with a 12-hour clock; `ship_by` is ambiguous."""
    lines = [
        "order_id,order_date,placed_at,ship_by,total",
        "10001,1/31/2024,1/31/2024 1:05 PM,02/03/2024,19.99",
        "10002,2/14/2024,2/14/2024 11:59 AM,03/04/2024,5.00",
        "10003,12/25/2024,12/25/2024 12:00 AM,12/11/2024,120.50",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def r_export() -> bytes:
    """write.csv from R, a MySQL `SELECT ... INTO OUTFILE` column and an Excel #N/A, in one file."""
    lines = [
        '"","country","gdp","population","life_exp","code"',
        '"1","Austria",447.7,9042528,81.6,"AT"',
        '"2","Namibia",NA,2567012,NA,"NA"',
        '"3","Peru",\\N,33715471,76.5,"PE"',
        '"4","Chad",#N/A,17723315,N/A,"TD"',
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def crm_flags_export() -> bytes:
    """Flags as different systems write them, mixed in one column over the years."""
    lines = ["contact;newsletter;opt_in;vip"]
    values = [
        ("yes", "true", "Y"),
        ("no", "false", "N"),
        ("Y", "1", "y"),
        ("N", "0", "n"),
        ("Yes", "TRUE", ""),
    ]
    lines += [f"C{i};{a};{b};{c}" for i, (a, b, c) in enumerate(values, start=1)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def event_log_export() -> bytes:
    """An event log merged from two systems: one writes offsets, the other local time without."""
    lines = [
        "event,at",
        "login,2024-03-01T10:00:00+02:00",
        "view,2024-03-01 09:30:00",
        "logout,2024-03-01T08:45:00Z",
        "login,2024-07-01 12:00:00",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")
