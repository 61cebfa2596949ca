"""The source reports scenarios cite, named so an analyst can cite them too.

A scenario's ``source:`` strings begin with the key of a report's entry here and go on
with the figure in the report's own words (``guiyang-2014: 贵阳市刑事发案数同比下降18.24%``).
Each entry gives the report's title, the body that issued or published it and its date, as
read from the report's own first and last lines, so a reader can find the report without
any file of ours. The scenario schema refuses a source whose key is not here, and one that
names a text file or a path instead of a key. Where a report does not print its date,
``date`` says what the text allows and ``date_note`` why.

**Examples**::

    from safesim.core.sources import SOURCES, cite
    cite("guichi-2021")   # '贵池区委政法委 (Guichi district political-legal committee) ...'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class SourceReport:
    key: str
    place: str
    title: str
    issuer: str
    date: str
    date_note: str = ""
    #: The issuer, date and note in Chinese, for a brief written with ``--lang zh``.
    issuer_zh: str = ""
    date_zh: str = ""
    date_note_zh: str = ""

    def citation(self) -> str:
        return f"{self.issuer}, “{self.title}”, {self.date}"

    def in_chinese(self) -> SourceReport:
        """The entry with its issuer, date and note in Chinese where it has them."""
        return replace(
            self,
            issuer=self.issuer_zh or self.issuer,
            date=self.date_zh or self.date,
            date_note=self.date_note_zh or ("" if self.date_zh else self.date_note),
        )


SOURCES: dict[str, SourceReport] = {
    s.key: s
    for s in (
        SourceReport(
            key="guiyang-2014",
            place="Guiyang (贵阳市)",
            title="治标治本施综合之策 同心同力建平安之城——贵阳市加强社会治理深化平安建设工作综述",
            issuer="newspaper feature by 张勇 and 黄圣杰 (outlet not named in the text)",
            date="late 2014",
            date_note="not printed; it gives figures for January–October 2014",
            issuer_zh="报纸专题报道，作者张勇、黄圣杰（文中未注明刊载媒体）",
            date_zh="2014年末",
            date_note_zh="文中未印日期；给出的是2014年1—10月的数字",
        ),
        SourceReport(
            key="tongren-2021",
            place="Tongren (铜仁市)",
            title="铜仁：市域社会治理成效斐然",
            issuer="法制生活报 (Guizhou legal-affairs newspaper, fzshb.cn), page 7, "
            "reporter 范良丽",
            date="early 2021",
            date_note="not printed; it gives figures for the year 2020",
            issuer_zh="法制生活报（贵州法制类报纸，fzshb.cn）第7版，记者范良丽",
            date_zh="2021年初",
            date_note_zh="文中未印日期；给出的是2020年全年的数字",
        ),
        SourceReport(
            key="suizhou-2015",
            place="Suizhou high-tech zone (随州高新区)",
            title="让辖区更平安 让群众更满意——随州高新技术产业园区加强和创新社会管理工作纪实",
            issuer="随州日报 (Suizhou Daily) feature series, reporter 徐军国",
            date="2015",
            date_note="not printed; it reports the zone's 2014 provincial award and '今年以来'",
            issuer_zh="随州日报系列报道，记者徐军国",
            date_zh="2015年",
            date_note_zh="文中未印日期；文中报道园区2014年获得的省级奖项并写有“今年以来”",
        ),
        SourceReport(
            key="shishou-2017",
            place="Shishou (石首市)",
            title="深化平安石首建设 提升群众幸福指数",
            issuer="中共石首市委、石首市人民政府 (Shishou municipal Party committee and "
            "government), on the Hubei provincial Party committee's policy site",
            date="2017-05-14",
            issuer_zh="中共石首市委、石首市人民政府，刊于湖北省委政策网站",
        ),
        SourceReport(
            key="guichi-2021",
            place="Guichi district (贵池区)",
            title="“五个结合”深化“平安贵池”建设 提升人民群众安全感满意度",
            issuer="贵池区委政法委 (Guichi district political-legal committee), "
            "published by 安徽法制报 (Anhui Legal Daily)",
            date="2021-11-12",
            issuer_zh="贵池区委政法委，安徽法制报刊载",
        ),
    )
}

CITATION_KEY = re.compile(r"(?<![\w-])([a-z]+-(?:19|20)\d{2})(?![\w-])")
# What a source string must not cite in place of a key: a text or notes file, or a path
# out of the repository, which a reader of the scenario cannot open.
FILE_OR_PATH = re.compile(r"[\w./-]*\.(?:txt|md)\b|\.\./[\w./-]*")


def cited_reports(text: str) -> list[str]:
    """The keys of the reports a source string cites."""
    return CITATION_KEY.findall(text)


def unknown_citations(text: str) -> list[str]:
    """What a source string cites that is not an entry of the table: unknown keys, and any
    file name or path."""
    unknown = [key for key in cited_reports(text) if key not in SOURCES]
    return unknown + FILE_OR_PATH.findall(text)


def cite(key: str) -> str:
    """'issuer, “title”, date' for a report's key (KeyError when it is not in the table)."""
    return SOURCES[key].citation()
