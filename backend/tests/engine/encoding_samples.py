# ruff: noqa: RUF001  (text in many languages and scripts, on purpose)
"""A labelled set of CSV exports in the encodings real files come in, for detection tests and the
accuracy table (`encoding_accuracy.py`).

Each language has the columns an ERP, a CRM or a spreadsheet export would: names, streets, towns,
products, free-text notes, amounts, dates. Rows are drawn from these words with a seeded random
generator, so a sample is the same on every run.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass

SHORT_ROWS = 8
LONG_ROWS = 2000

_LANGUAGES: dict[str, dict[str, list[str]]] = {
    "fr": {
        "header": ["N° client", "Nom", "Prénom", "Adresse", "Ville", "Article", "Montant (€)", "Remarque"],
        "first": [
            "Élodie",
            "François",
            "Hélène",
            "Jérôme",
            "Gaëlle",
            "Benoît",
            "Cécile",
            "Loïc",
            "Maëlle",
            "André",
        ],
        "last": [
            "Lefèvre",
            "Dubois",
            "Bérard",
            "Moreau",
            "Gérard",
            "Laurent",
            "Lemaître",
            "Fèvre",
            "Château",
            "Noël",
        ],
        "street": [
            "12 rue de la Paix",
            "3 allée des Érables",
            "45 boulevard Saint-Germain",
            "8 place du Marché",
            "27 avenue de l'Opéra",
            "5 impasse des Tilleuls",
            "19 chemin de la Forêt",
        ],
        "town": [
            "Paris",
            "Besançon",
            "Orléans",
            "Nîmes",
            "Angoulême",
            "Périgueux",
            "Épinal",
            "Saint-Étienne",
        ],
        "product": [
            "Crème brûlée surgelée",
            "Pâté de campagne",
            "Bœuf bourguignon",
            "Café moulu 250 g",
            "Thé vert « Sencha »",
            "Gâteau au chocolat",
            "Œufs frais (x12)",
            "Fromage affiné",
        ],
        "note": [
            "Livraison après 18 h, sonner deux fois",
            "Client fidèle depuis 2009 — remise accordée",
            "Facture à envoyer à la comptabilité",
            "Réclamation : colis abîmé à la réception",
            "Préfère être contacté par téléphone",
            "« Très satisfait » du dernier achat",
            "",
        ],
    },
    "de": {
        "header": ["Kundennr.", "Nachname", "Vorname", "Straße", "Ort", "Artikel", "Betrag €", "Bemerkung"],
        "first": [
            "Jürgen",
            "Björn",
            "Märta",
            "Günter",
            "Jörg",
            "Käthe",
            "Sören",
            "Hans-Peter",
            "Ute",
            "Lübbe",
        ],
        "last": [
            "Müller",
            "Schäfer",
            "Größer",
            "Weiß",
            "Bäcker",
            "Köhler",
            "Schröder",
            "Krüger",
            "Vogel",
            "Löwe",
        ],
        "street": [
            "Hauptstraße 5",
            "Am Mühlbach 12",
            "Königsallee 27",
            "Bahnhofstraße 3a",
            "Schloßweg 8",
            "Güterstraße 41",
            "Fährweg 2",
        ],
        "town": [
            "München",
            "Köln",
            "Düsseldorf",
            "Nürnberg",
            "Lüneburg",
            "Görlitz",
            "Würzburg",
            "Saarbrücken",
        ],
        "product": [
            "Äpfel (Kiste 10 kg)",
            "Sauerkraut im Glas",
            "Brötchen, tiefgekühlt",
            "Weißbier 0,5 l",
            "Kürbiskernöl",
            "Käsespätzle",
            "Gemüsebrühe",
            "Süßwaren-Mischung",
        ],
        "note": [
            "Lieferung nur vormittags",
            "Rechnung per Post, nicht per E-Mail",
            "Stammkunde – 3 % Skonto",
            "Reklamation: Ware beschädigt",
            "Bitte bei Nachbarn abgeben",
            "„Sehr zufrieden“",
            "",
        ],
    },
    "es": {
        "header": [
            "Nº cliente",
            "Apellidos",
            "Nombre",
            "Dirección",
            "Ciudad",
            "Artículo",
            "Importe €",
            "Observaciones",
        ],
        "first": ["José", "María", "Íñigo", "Begoña", "Ángel", "Raúl", "Mónica", "Jesús", "Lucía", "Nuria"],
        "last": [
            "Muñoz",
            "Peña",
            "Ibáñez",
            "Gómez",
            "Núñez",
            "Martínez",
            "Álvarez",
            "Castaño",
            "Fernández",
            "Ortíz",
        ],
        "street": [
            "Calle Mayor 12",
            "Avenida de España 4",
            "Plaza de la Constitución 1",
            "Calle del Niño 7",
            "Paseo de la Castellana 120",
            "Camino Viejo 3",
        ],
        "town": ["Madrid", "Málaga", "Córdoba", "A Coruña", "Cádiz", "León", "Logroño", "Alcalá de Henares"],
        "product": [
            "Jamón ibérico",
            "Aceite de oliva (1 l)",
            "Turrón de Jijona",
            "Piñones",
            "Azúcar moreno",
            "Café con leche",
            "Queso manchego",
            "Vino de Rioja – crianza",
        ],
        "note": [
            "Entrega por la mañana",
            "¿Factura electrónica? Sí",
            "Cliente desde 2015, descuento del 5 %",
            "Reclamación: envío dañado",
            "¡Urgente!",
            "Llamar antes de la entrega",
            "",
        ],
    },
    "pl": {
        "header": ["Nr klienta", "Nazwisko", "Imię", "Ulica", "Miasto", "Towar", "Kwota zł", "Uwagi"],
        "first": ["Łukasz", "Małgorzata", "Paweł", "Żaneta", "Grzegorz", "Bożena", "Wojciech", "Jolanta"],
        "last": [
            "Wiśniewski",
            "Wójcik",
            "Kowalczyk",
            "Kamiński",
            "Lewandowski",
            "Zieliński",
            "Woźniak",
            "Dąbrowski",
        ],
        "street": [
            "ul. Świętokrzyska 5",
            "ul. Źródlana 12",
            "al. Jerozolimskie 44",
            "ul. Długa 3",
            "ul. Łąkowa 8",
        ],
        "town": ["Łódź", "Kraków", "Gdańsk", "Poznań", "Wrocław", "Białystok", "Częstochowa", "Zielona Góra"],
        "product": ["Masło ekstra", "Chleb żytni", "Kiełbasa śląska", "Pierogi ruskie", "Ogórki kiszone"],
        "note": [
            "Dostawa po południu",
            "Faktura VAT na firmę",
            "Stały klient – rabat",
            "Reklamacja: uszkodzona paczka",
            "",
        ],
    },
    "cs": {
        "header": [
            "Číslo zákazníka",
            "Příjmení",
            "Jméno",
            "Ulice",
            "Město",
            "Zboží",
            "Částka Kč",
            "Poznámka",
        ],
        "first": ["Jiří", "Růžena", "Tomáš", "Kateřina", "Václav", "Zdeněk", "Božena", "Lukáš"],
        "last": ["Dvořák", "Černý", "Procházka", "Kučera", "Veselý", "Horák", "Němec", "Růžička"],
        "street": ["Náměstí Míru 3", "Vinohradská 12", "Křižíkova 7", "Žitná 45", "Šafaříkova 2"],
        "town": ["Praha", "Brno", "Plzeň", "České Budějovice", "Hradec Králové", "Ústí nad Labem", "Olomouc"],
        "product": ["Pivo ležák", "Chléb kmínový", "Uzené maso", "Švestkové knedlíky", "Máslo"],
        "note": [
            "Doručit dopoledne",
            "Faktura e-mailem",
            "Věrný zákazník – sleva",
            "Reklamace: poškozený obal",
            "",
        ],
    },
    "ru": {
        "header": ["Номер клиента", "Фамилия", "Имя", "Адрес", "Город", "Товар", "Сумма, руб.", "Примечание"],
        "first": ["Александр", "Мария", "Дмитрий", "Елена", "Сергей", "Ольга", "Андрей", "Наталья"],
        "last": ["Иванов", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Козлов", "Новикова"],
        "street": ["ул. Ленина, д. 5", "пр. Мира, д. 12", "ул. Садовая, д. 3", "наб. Фонтанки, д. 44"],
        "town": ["Москва", "Санкт-Петербург", "Новосибирск", "Екатеринбург", "Казань", "Нижний Новгород"],
        "product": ["Гречка 1 кг", "Молоко 3,2%", "Хлеб ржаной", "Чай чёрный", "Сыр российский"],
        "note": [
            "Доставка после обеда",
            "Счёт на юрлицо",
            "Постоянный клиент — скидка",
            "Жалоба: повреждена упаковка",
            "",
        ],
    },
    "ja": {
        "header": ["顧客番号", "氏名", "フリガナ", "住所", "市区町村", "商品名", "金額（円）", "備考"],
        "first": ["太郎", "花子", "一郎", "美咲", "健太", "さくら", "翔太", "陽子"],
        "last": ["山田", "佐藤", "鈴木", "高橋", "田中", "渡辺", "伊藤", "中村"],
        "street": ["千代田区丸の内1-1", "中央区銀座4-5-6", "港区六本木3-2", "新宿区西新宿2-8-1"],
        "town": ["東京都", "大阪市", "名古屋市", "札幌市", "福岡市", "横浜市", "京都市"],
        "product": ["緑茶（ティーバッグ）", "醤油 1リットル", "味噌", "お米 5kg", "梅干し"],
        "note": ["午前中に配達希望", "請求書は郵送で", "リピーター・割引適用", "破損のため返品", ""],
    },
    "zh": {
        "header": ["客户编号", "姓名", "性别", "地址", "城市", "商品", "金额（元）", "备注"],
        "first": ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳"],
        "last": ["王", "李", "张", "刘", "陈", "杨", "黄", "赵"],
        "street": ["朝阳区建国路88号", "浦东新区世纪大道100号", "天河区体育西路1号", "南山区科技园"],
        "town": ["北京", "上海", "广州", "深圳", "成都", "杭州", "武汉"],
        "product": ["绿茶礼盒", "月饼", "大米 10公斤", "酱油", "茶叶蛋"],
        "note": ["上午送货", "需要发票", "老客户，打九折", "包装破损，退货", ""],
    },
}


# A European distributor's price list: names and places from three countries, few words of prose.
_LANGUAGES["eu"] = {
    "header": ["Code", "Fournisseur", "Contact", "Adresse", "Ville", "Désignation", "Prix €", "Origine"],
    **{
        key: _LANGUAGES["fr"][key] + _LANGUAGES["es"][key] + _LANGUAGES["de"][key]
        for key in ("first", "last", "street", "town", "product")
    },
    "note": ["France", "España", "Deutschland", "Österreich", "Suisse romande", "Cataluña", "Bélgica"],
}


_CURRENCY = {"pl": "zł", "cs": "Kč", "ru": "руб.", "ja": "円", "zh": "元"}


@dataclass(frozen=True)
class Sample:
    label: str  # the encoding the file is written in
    language: str
    rows: int
    text: str
    data: bytes


# Which languages a real export in each encoding carries (mac-roman: old Mac Office in France and
# Germany; latin-1: Unix exports, which have no € sign).
ENCODINGS: dict[str, tuple[str, ...]] = {
    "cp1252": ("fr", "de", "es", "eu"),
    "latin-1": ("fr", "de", "es", "eu"),
    "cp1250": ("pl", "cs"),
    "cp1251": ("ru",),
    "mac-roman": ("fr", "de", "es", "eu"),
    "utf-8": ("fr", "de", "es", "pl", "ru", "ja"),
    "utf-16": ("fr", "de", "ru"),
    "shift_jis": ("ja",),
    "gb18030": ("zh",),
}


def csv_text(language: str, rows: int, seed: int) -> str:
    """An export of `rows` rows; odd seeds give a plain address list (names, streets, towns and
    amounts, no prose: the hardest case for statistical detection)."""
    words = _LANGUAGES[language]
    rng = random.Random(seed)
    delimiter = "\t" if seed % 3 == 0 else ";"
    prose = seed % 2 == 0
    header = words["header"] if prose else words["header"][:5] + words["header"][6:7]
    lines = [delimiter.join(header)]
    for number in range(1, rows + 1):
        amount = f"{rng.randint(1, 99999) / 100:.2f}".replace(".", ",")
        cells = [
            str(10000 + number),
            rng.choice(words["last"]),
            rng.choice(words["first"]),
            rng.choice(words["street"]),
            rng.choice(words["town"]),
        ]
        # Excel keeps the currency format of a cell in its CSV: "12,50 €".
        cells += (
            [rng.choice(words["product"]), amount, rng.choice(words["note"])]
            if prose
            else [f"{amount} {_CURRENCY.get(language, '€')}"]
        )
        lines.append(delimiter.join(cells))
    return "\r\n".join(lines) + "\r\n"


def samples(per_cell: int = 6) -> list[Sample]:
    """`per_cell` files for each encoding and size (short, LONG_ROWS rows), languages in turn."""
    out: list[Sample] = []
    for encoding, languages in ENCODINGS.items():
        for rows in (SHORT_ROWS, LONG_ROWS):
            for index in range(per_cell):
                language = languages[index % len(languages)]
                text = csv_text(language, rows, seed=zlib.crc32(f"{encoding}/{rows}/{index}".encode()))
                if encoding == "latin-1":
                    text = text.replace("€", "EUR").replace("œ", "oe").replace("Œ", "OE")
                    text = text.replace("„", '"').replace("“", '"').replace("–", "-").replace("—", "-")
                if encoding == "mac-roman":
                    text = text.replace("„", '"').replace("“", '"')
                out.append(Sample(encoding, language, rows, text, text.encode(encoding)))
    return out
