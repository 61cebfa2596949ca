"""The source reports scenarios cite, named so an analyst can cite them too.

A scenario's ``source:`` strings begin with the report's file name
(``000_4d1602843caf5288.txt: 贵阳市刑事发案数同比下降18.24%``). This table gives each
file its title, the body that issued or published it and its date, as read from the
reports' own first and last lines; the scenario schema refuses a source naming a file
that is not here. Where a report does not print its date, ``date`` says what the text
allows and ``date_note`` why.

**Examples**::

    from safesim.sources import SOURCES, cite
    cite("004_5ee5726593a1ac67.txt")   # 'Guichi district political-legal committee ...'
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceReport:
    file: str
    place: str
    title: str
    issuer: str
    date: str
    date_note: str = ""

    def citation(self) -> str:
        return f"{self.issuer}, “{self.title}”, {self.date}"


SOURCES: dict[str, SourceReport] = {
    s.file: s
    for s in (
        SourceReport(
            file="000_4d1602843caf5288.txt",
            place="Guiyang (贵阳市)",
            title="治标治本施综合之策 同心同力建平安之城——贵阳市加强社会治理深化平安建设工作综述",
            issuer="newspaper feature by 张勇 and 黄圣杰 (outlet not named in the text)",
            date="late 2014",
            date_note="not printed; it gives figures for January–October 2014",
        ),
        SourceReport(
            file="001_bb6bb6370bc45abe.txt",
            place="Tongren (铜仁市)",
            title="铜仁：市域社会治理成效斐然",
            issuer="法制生活报 (Guizhou legal-affairs newspaper, fzshb.cn), page 7, "
            "reporter 范良丽",
            date="early 2021",
            date_note="not printed; it gives figures for the year 2020",
        ),
        SourceReport(
            file="002_8a1c98b042d425d4.txt",
            place="Suizhou high-tech zone (随州高新区)",
            title="让辖区更平安 让群众更满意——随州高新技术产业园区加强和创新社会管理工作纪实",
            issuer="随州日报 (Suizhou Daily) feature series, reporter 徐军国",
            date="2015",
            date_note="not printed; it reports the zone's 2014 provincial award and '今年以来'",
        ),
        SourceReport(
            file="003_9b3e4f2e3c4eb369.txt",
            place="Shishou (石首市)",
            title="深化平安石首建设 提升群众幸福指数",
            issuer="中共石首市委、石首市人民政府 (Shishou municipal Party committee and "
            "government), on the Hubei provincial Party committee's policy site",
            date="2017-05-14",
        ),
        SourceReport(
            file="004_5ee5726593a1ac67.txt",
            place="Guichi district (贵池区)",
            title="“五个结合”深化“平安贵池”建设 提升人民群众安全感满意度",
            issuer="贵池区委政法委 (Guichi district political-legal committee), "
            "published by 安徽法制报 (Anhui Legal Daily)",
            date="2021-11-12",
        ),
    )
}

REPORT_FILE = re.compile(r"\b(\d{3}_[0-9a-f]{16}\.txt)\b")


def cited_files(text: str) -> list[str]:
    """The report file names a source string mentions."""
    return REPORT_FILE.findall(text)


def unknown_files(text: str) -> list[str]:
    return [f for f in cited_files(text) if f not in SOURCES]


def cite(file: str) -> str:
    """'issuer, “title”, date' for a report file (KeyError when it is not in the table)."""
    return SOURCES[file].citation()
