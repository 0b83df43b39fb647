"""Fictitious citizens of a Longyan-like region: names, ID numbers, mobiles and addresses.

Everything is drawn from a `random.Random` so the same seed gives the same people. ID numbers carry
real Longyan region codes and a valid check character; they are drawn at random, not taken from any
record (a drawn number may still happen to be a real one, as with any fake data). Names are built from
common surnames of western Fujian and ordinary given-name characters.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from xietong.core.idgen import fake_id_number, fake_mobile
from xietong.parties.choices import AddressKind

# Common surnames of Longyan (Minxi Hakka and Minnan), roughly by frequency.
SURNAMES = (
    ("林", 9),
    ("陈", 9),
    ("黄", 7),
    ("张", 6),
    ("吴", 5),
    ("李", 5),
    ("王", 4),
    ("刘", 4),
    ("郑", 3),
    ("邱", 4),
    ("赖", 4),
    ("罗", 3),
    ("谢", 3),
    ("曾", 3),
    ("温", 3),
    ("廖", 3),
    ("江", 2),
    ("钟", 3),
    ("卢", 2),
    ("游", 2),
    ("翁", 2),
    ("饶", 2),
    ("蓝", 2),
    ("傅", 2),
    ("范", 1),
    ("简", 1),
    ("童", 1),
    ("阙", 1),
    ("魏", 1),
    ("杨", 2),
    ("徐", 1),
    ("苏", 1),
    ("余", 1),
    ("蔡", 1),
    ("丘", 1),
    ("华", 1),
)
MALE_CHARS = "建国明华伟强军平志文辉勇斌杰涛鑫福荣金生水林海东峰俊永春德清龙彬昌锦炳泉添旺兴承家振宏晓发"
FEMALE_CHARS = "秀英华玲芳丽燕红梅娟霞萍婷慧琴莉雪兰凤珍云美静敏晶佳欣怡颖蓉碧春秋菊月素桂娇"


@dataclass(frozen=True)
class Area:
    region: str  # province, city, county as printed on an address
    streets: tuple[str, ...]  # urban subdistricts
    roads: tuple[str, ...]
    towns: tuple[str, ...]


# Resident ID region codes of Longyan. 350822 is the former Yongding County: ID numbers issued
# before it became a district (2014) keep the old code, the address is today's district.
AREAS: dict[str, Area] = {
    "350802": Area(
        "福建省龙岩市新罗区",
        ("东城街道", "西城街道", "南城街道", "中城街道", "东肖街道", "曹溪街道", "西陂街道", "龙门街道"),
        ("九一北路", "九一南路", "登高西路", "华莲路", "龙腾中路", "西安北路", "人民路", "双龙路", "莲庄路"),
        ("小池镇", "万安镇", "适中镇", "雁石镇", "白沙镇", "江山镇", "大池镇", "岩山镇", "苏坂镇"),
    ),
    "350803": Area(
        "福建省龙岩市永定区",
        ("凤城街道",),
        ("永新路", "河滨路", "西门路", "东门路"),
        ("坎市镇", "湖坑镇", "下洋镇", "高头乡", "抚市镇", "湖雷镇"),
    ),
    "350821": Area(
        "福建省龙岩市长汀县",
        ("汀州镇",),
        ("兆征路", "南大街", "营背街", "东大街"),
        ("河田镇", "大同镇", "策武镇", "新桥镇", "涂坊镇"),
    ),
    "350822": Area(
        "福建省龙岩市永定区",
        ("凤城街道",),
        ("永新路", "河滨路", "城郊路"),
        ("坎市镇", "湖坑镇", "下洋镇", "峰市镇", "仙师镇"),
    ),
    "350823": Area(
        "福建省龙岩市上杭县",
        ("临城镇", "临江镇"),
        ("北环路", "振兴路", "瓦子街", "解放路"),
        ("古田镇", "蛟洋镇", "才溪镇", "稔田镇", "旧县镇"),
    ),
    "350824": Area(
        "福建省龙岩市武平县",
        ("平川街道",),
        ("城东路", "府前路", "七坊路"),
        ("中山镇", "十方镇", "岩前镇", "城厢镇", "万安镇"),
    ),
    "350825": Area(
        "福建省龙岩市连城县",
        ("莲峰镇",),
        ("北大路", "西康路", "冠豸大道"),
        ("朋口镇", "姑田镇", "宣和镇", "四堡镇", "北团镇"),
    ),
    "350881": Area(
        "福建省龙岩市漳平市",
        ("菁城街道", "桂林街道"),
        ("解放路", "和平路", "西园路", "九鹏路"),
        ("永福镇", "新桥镇", "双洋镇", "溪南镇", "拱桥镇"),
    ),
}
REGION_WEIGHTS = {
    "350802": 40,
    "350803": 5,
    "350821": 8,
    "350822": 8,
    "350823": 10,
    "350824": 8,
    "350825": 8,
    "350881": 13,
}
VILLAGES = ("上坊村", "下坊村", "溪口村", "坪头村", "新村", "石门村", "东坑村", "洋坑村", "湖洋村", "岭头村", "龙潭村")
POSTCODES = {
    "350802": "364000",
    "350803": "364100",
    "350821": "366300",
    "350822": "364100",
    "350823": "364200",
    "350824": "364300",
    "350825": "366200",
    "350881": "364400",
}


@dataclass
class Citizen:
    name: str
    id_number: str
    phone: str
    region_code: str
    addresses: list[dict[str, str]] = field(default_factory=list)


class CitizenFactory:
    """Draws unique citizens: no ID number and no mobile is given twice."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._ids: set[str] = set()
        self._phones: set[str] = set()
        self._surnames = [s for s, _ in SURNAMES]
        self._surname_weights = [w for _, w in SURNAMES]

    def name(self, sex: str, surname: str | None = None) -> str:
        rng = self.rng
        chars = MALE_CHARS if sex == "M" else FEMALE_CHARS
        given = rng.choice(chars) if rng.random() < 0.15 else rng.choice(chars) + rng.choice(chars)
        return (surname or rng.choices(self._surnames, self._surname_weights)[0]) + given

    def id_number(self, region: str, sex: str, *, born_after: int = 1955, born_before: int = 2004) -> str:
        while True:
            number = fake_id_number(self.rng, region=region, sex=sex)
            if born_after <= int(number[6:10]) <= born_before and number not in self._ids:
                self._ids.add(number)
                return number

    def mobile(self) -> str:
        while True:
            phone = fake_mobile(self.rng)
            if phone not in self._phones:
                self._phones.add(phone)
                return phone

    def domicile(self, region_code: str, *, town: str | None = None, village: str | None = None) -> dict[str, str]:
        rng = self.rng
        area = AREAS[region_code]
        if town is None and rng.random() < 0.55:
            line = (
                f"{rng.choice(area.streets)}{rng.choice(area.roads)}{rng.randint(1, 380)}号"
                f"{rng.randint(1, 12)}幢{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
            )
        else:
            line = (
                f"{town or rng.choice(area.towns)}{village or rng.choice(VILLAGES)}"
                f"{rng.randint(1, 12)}组{rng.randint(1, 99)}号"
            )
        return {
            "kind": AddressKind.DOMICILE,
            "country": "CN",
            "region": area.region,
            "line": line,
            "postcode": POSTCODES[region_code],
        }

    def citizen(
        self,
        *,
        region: str | None = None,
        sex: str | None = None,
        surname: str | None = None,
        name: str | None = None,
        born_after: int = 1955,
        born_before: int = 2004,
        town: str | None = None,
        village: str | None = None,
    ) -> Citizen:
        rng = self.rng
        region = region or rng.choices(list(REGION_WEIGHTS), list(REGION_WEIGHTS.values()))[0]
        sex = sex or rng.choice("MF")
        number = self.id_number(region, sex, born_after=born_after, born_before=born_before)
        addresses = [self.domicile(region, town=town, village=village)]
        if rng.random() < 0.25 and region != "350802":
            # Many people from the counties live and work in the city.
            home = self.domicile("350802")
            addresses.append({**home, "kind": AddressKind.RESIDENCE})
        return Citizen(
            name=name or self.name(sex, surname),
            id_number=number,
            phone=self.mobile(),
            region_code=region,
            addresses=addresses,
        )

    def overseas(
        self,
        *,
        country: str,
        region: str,
        line: str,
        phone: str,
        sex: str,
        name: str | None = None,
        surname: str | None = None,
        born_after: int = 1975,
        born_before: int = 1998,
    ) -> Citizen:
        """A citizen of Longyan who now lives or works abroad: domicile at home, residence abroad."""
        c = self.citizen(
            region="350802", sex=sex, surname=surname, name=name, born_after=born_after, born_before=born_before
        )
        c.phone = phone
        c.addresses = [
            c.addresses[0],
            {"kind": AddressKind.RESIDENCE, "country": country, "region": region, "line": line, "postcode": ""},
        ]
        return c
