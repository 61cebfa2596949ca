"""Each mechanism parameter of ``safesim.core.parameters`` in plain words, in English and
Chinese, for the briefs and figures that name one (sensitivity screening, the calibration's
posteriors). ``tests/test_labels_parameters.py`` checks that every parameter has both."""

from __future__ import annotations

#: parameter name -> (English plain words, Chinese)
PARAMETER_LABELS: dict[str, tuple[str, str]] = {
    # Offending over an attractiveness field
    "attractiveness_decay": ("how fast a place's raised risk fades", "地点风险升高后的消退速度"),
    "attractiveness_spread": ("how far a place's raised risk spreads", "地点风险向周边扩散的程度"),
    "attractiveness_boost": ("rise in a place's risk after a crime", "发案后地点风险的上升幅度"),
    "repeat_victim_weight": ("pull of a just-burgled home", "刚被盗住户再次被盗的吸引力"),
    "repeat_victim_decay_days": ("days a burgled home stays at risk", "被盗住户风险持续天数"),
    "candidate_homes": ("homes a burglar sizes up", "盗窃者每次物色的住户数"),
    "protection_visibility": ("share of home security a burglar sees", "盗窃者可见的住户防护比例"),
    "offender_moves_per_day": ("blocks an offender walks a day", "违法者每天走动的街区数"),
    "offender_desistance_per_year": ("rate at which offenders stop", "违法者每年停止作案的比率"),
    "sentence_mean_days": ("mean days in custody after arrest", "抓获后平均羁押天数"),
    "base_arrest_probability": (
        "chance of arrest without cameras or patrols",
        "无监控无巡逻时的抓获概率",
    ),
    "deterrence_sensitivity": ("how much arrest risk deters", "抓获风险的威慑力度"),
    # Cameras
    "camera_deterrence": (
        "fall in property crime under full camera cover",
        "监控全覆盖时财产犯罪的降幅",
    ),
    "camera_car_park_ratio": ("camera effect in car parks, relative", "监控在停车场的相对效果"),
    "camera_city_centre_ratio": (
        "camera effect in commercial centres, relative",
        "监控在商业中心的相对效果",
    ),
    "camera_transit_ratio": (
        "camera effect on streets and squares, relative",
        "监控在街道与广场的相对效果",
    ),
    "camera_residential_ratio": (
        "camera effect in residential areas, relative",
        "监控在居住区的相对效果",
    ),
    "camera_violence_ratio": ("camera effect on robbery, relative", "监控对抢劫抢夺的相对效果"),
    "camera_max_deterrence": ("largest fall cameras can bring", "监控能带来的最大降幅"),
    "camera_detection": (
        "extra arrest chance under full camera cover",
        "监控全覆盖时增加的抓获概率",
    ),
    "cameras_per_cell_half_cover": (
        "cameras needed to cover a block",
        "覆盖一个街区所需的摄像头数",
    ),
    # Hot-spot patrols
    "patrol_deterrence": ("fall in crime at a patrolled hot spot", "巡逻热点的犯罪降幅"),
    "koper_minutes": ("patrol stop length that deters", "产生威慑的巡逻停留时长"),
    "patrol_visits_to_saturate": (
        "patrol visits a day that saturate a hot spot",
        "热点每日饱和巡逻次数",
    ),
    "patrol_memory_days": ("days a patrol's deterrence lasts", "巡逻威慑持续天数"),
    "patrol_arrest_boost": (
        "extra arrest chance at a patrolled hot spot",
        "巡逻热点增加的抓获概率",
    ),
    "patrol_avoidance": ("share of offenders who move next door", "转移到邻近地点作案的比例"),
    "patrol_diffusion": (
        "patrol benefit spilling to neighbouring blocks",
        "巡逻效益向邻近街区的扩散",
    ),
    "hot_spot_window_days": (
        "days of crime that set where patrols go",
        "确定巡逻热点所用的案件天数",
    ),
    "patrol_shift_minutes": ("minutes in a patrol shift", "每班巡逻分钟数"),
    "patrol_share_of_shift": ("share of a shift spent at hot spots", "每班用于热点巡逻的比例"),
    "patrol_travel_minutes": ("minutes between two hot-spot visits", "两次热点巡逻间的路程分钟数"),
    "patrol_duty_days_per_week": ("shifts a week per officer", "每名警力每周值班次数"),
    # Volunteers, ten-household units
    "guardianship_effect": ("fall in crime where volunteers watch", "志愿者守护处的犯罪降幅"),
    "volunteer_on_duty_share": ("share of volunteers on duty a day", "每天在岗志愿者比例"),
    "volunteer_team_size": ("volunteers on duty together at a post", "每个岗点同时在岗的志愿者数"),
    "volunteers_per_cell_half": (
        "volunteers needed to watch a block",
        "守护一个街区所需的志愿者数",
    ),
    "collective_efficacy_effect": (
        "fall in dispute escalation in household units",
        "十户联防中纠纷激化的降幅",
    ),
    "unit_report_per_day": (
        "daily chance a unit passes on a dispute",
        "联防单元每日上报纠纷的概率",
    ),
    # Home security
    "lock_protection_factor": (
        "burglary risk with a better lock, relative",
        "安装防盗锁后的相对被盗风险",
    ),
    "alarm_protection_factor": (
        "burglary risk with an alarm phone, relative",
        "安装报警电话后的相对被盗风险",
    ),
    "anti_climb_protection_factor": (
        "burglary risk with climb barriers, relative",
        "安装防攀爬设施后的相对被盗风险",
    ),
    "home_camera_protection_factor": (
        "burglary risk with a home camera, relative",
        "安装家用摄像头后的相对被盗风险",
    ),
    "secured_parking_protection": (
        "theft prevented in secured parking",
        "安全停车场防止的盗窃比例",
    ),
    "homes_per_anti_climb": ("homes one climb barrier protects", "每套防攀爬设施保护的住户数"),
    # Disputes, grid workers, mediation
    "dispute_escalation_per_day": (
        "daily chance a dispute turns violent",
        "纠纷每日激化为暴力的概率",
    ),
    "dispute_fight_per_day": ("daily chance a dispute leads to a fight", "纠纷每日引发打架的概率"),
    "dispute_fade_per_day": ("daily chance a dispute settles by itself", "纠纷每日自行化解的概率"),
    "grid_visit_detection": ("chance a grid visit finds a dispute", "网格员走访发现纠纷的概率"),
    "mediation_success": ("share of found disputes settled", "发现的纠纷调解成功的比例"),
    "hardening_advice": (
        "chance a grid visit gets a home a better lock",
        "网格走访促成住户换锁的概率",
    ),
    "mediators_per_1000_households_half": (
        "mediators per 1,000 households to reach a dispute",
        "每千户所需的调解员数",
    ),
    "mediator_unsettled_cut": (
        "how much a mediator helps settle a dispute",
        "调解员促成纠纷化解的作用",
    ),
    # Felt safety
    "fear_own_victimisation": ("fear after being a victim", "受害后的不安全感"),
    "fear_memory_days": ("days a victim's fear lasts", "受害者不安全感持续天数"),
    "fear_local_crime": ("fear from local crime", "周边犯罪带来的不安全感"),
    "fear_disorder": ("fear from local disorder", "周边治安问题带来的不安全感"),
    "safety_patrol_visibility": ("felt safety from seen patrols", "见到巡逻带来的安全感"),
    "safety_guardianship": ("felt safety from volunteers present", "志愿者在场带来的安全感"),
    "safety_spread": ("spread of households' own feeling of safety", "住户自身安全感的差异"),
    "safety_adaptation_days": ("days for felt safety to catch up", "安全感随环境调整所需天数"),
    # Land use
    "attractiveness_commercial": ("crime pull of commercial blocks", "商业街区对犯罪的吸引力"),
    "attractiveness_street": ("crime pull of streets and squares", "街道与广场对犯罪的吸引力"),
    "attractiveness_school": ("crime pull of school blocks", "学校周边对犯罪的吸引力"),
    "attractiveness_car_park": ("crime pull of car parks", "停车场对犯罪的吸引力"),
    "attractiveness_village": ("crime pull of urban villages", "城中村对犯罪的吸引力"),
    "attractiveness_heterogeneity": (
        "spread of crime pull between blocks",
        "街区间犯罪吸引力的差异",
    ),
    "robbery_share_residential": ("share of robbery in residential blocks", "居住区抢劫所占比例"),
    "robbery_share_commercial": ("share of robbery in commercial blocks", "商业区抢劫所占比例"),
    "robbery_share_street": ("share of robbery on streets and squares", "街道与广场抢劫所占比例"),
    "robbery_share_school": ("share of robbery around schools", "学校周边抢劫所占比例"),
    "robbery_share_car_park": ("share of robbery in car parks", "停车场抢劫所占比例"),
    "robbery_share_village": ("share of robbery in urban villages", "城中村抢劫所占比例"),
    "clearance_memory_days": (
        "days offenders take to sense arrest risk",
        "违法者感知抓获风险所需天数",
    ),
    # Reporting
    "reporting_burglary_theft": ("share of burglaries and thefts reported", "盗窃案件报案比例"),
    "reporting_robbery": ("share of robberies reported", "抢劫抢夺案件报案比例"),
    "reporting_dispute_violence": (
        "share of violent disputes reported",
        "纠纷引发暴力案件的报案比例",
    ),
    "reporting_other_criminal": ("share of other criminal cases reported", "其他刑事案件报案比例"),
    "reporting_public_order": ("share of public-order cases reported", "治安案件报警比例"),
    "reporting_disputes_new": ("share of new disputes phoned in", "新发纠纷的报警比例"),
    "catchment_cells": (
        "width of the surrounding area checked for spill-over",
        "溢出检测的周边范围宽度",
    ),
}
