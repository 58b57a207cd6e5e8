"""A year of learning in the demo prefecture: themes, courses with short original texts,
question banks and quizzes, a year's plan, lessons finished and hours credited, quiz attempts,
external training, and one finished training class with reflections (two of them near-copies).

Courses, banks, quizzes, plans and the class go through the services (as a user would make
them); the year's many completions and ledger entries go in with bulk inserts, with the yearly
totals computed from them, so seeding stays fast at any size."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from learning import services
from learning.models import (
    AttendanceStatus,
    Audience,
    ClassSession,
    Lesson,
    LessonCompletion,
    Participant,
    QuizAttempt,
    Reflection,
    StudyRecord,
    StudySourceKind,
    StudyYearTotal,
    Theme,
)
from organisations.models import Member, MemberStatus, Organisation, OrganisationKind

THEMES = ["理论学习", "党章党规", "党史", "业务知识", "廉政教育"]

P = "<p>{}</p>"

COURSES = [
    (
        "党章党规",
        "学习党章 遵守党规",
        "逐章学习党章，理解党员的义务和权利。",
        [
            (
                "党章总纲的基本内容",
                "党章总纲阐明了党的性质、宗旨、指导思想和奋斗目标。学习总纲，要把握党的最高理想和最终目标是实现共产主义，也要明白现阶段的任务落在每个岗位上：把本职工作做好，是党员践行宗旨最直接的方式。",
            ),
            (
                "党员的义务和权利",
                "党章规定党员必须履行八项义务，同时享有八项权利。义务和权利是统一的：履行义务不打折扣，行使权利按照程序。参加党的组织生活、按时交纳党费，是每名党员最基本的要求。",
            ),
            (
                "党的组织制度",
                "民主集中制是党的根本组织原则和领导制度。个人服从组织，少数服从多数，下级组织服从上级组织，全党各个组织和全体党员服从党的全国代表大会和中央委员会。",
            ),
        ],
    ),
    (
        "党章党规",
        "《中国共产党支部工作条例》导读",
        "支部是党的基础组织，条例规定了支部的职责和组织生活。",
        [
            (
                "支部的基本任务",
                "党支部要宣传和执行党的路线方针政策，组织党员认真学习，对党员进行教育、管理、监督和服务。支部的工作好不好，要看党员是否真正受到了教育，群众是否真正得到了服务。",
            ),
            (
                "三会一课制度",
                "三会一课是党的组织生活的基本制度：定期召开支部党员大会、支部委员会会议、党小组会，按时上好党课。会议要有明确议题，讲求实效，防止走过场。",
            ),
        ],
    ),
    (
        "党史",
        "延安精神的历史内涵",
        "从延安时期的实践理解坚定正确的政治方向、实事求是、全心全意为人民服务和自力更生艰苦奋斗。",
        [
            (
                "坚定正确的政治方向",
                "延安时期，党在极其艰苦的环境中始终坚持正确的政治方向，吸引了大批有志青年奔赴延安。方向正确，才能凝聚人心；人心凝聚，事业才有根基。",
            ),
            (
                "南泥湾与大生产运动",
                "面对经济封锁，三五九旅开进南泥湾，把荒山变成陕北的好江南。大生产运动告诉我们，困难面前不等不靠，自己动手才能丰衣足食。",
            ),
            (
                "整风运动与实事求是",
                "整风运动反对主观主义、宗派主义和党八股，确立了实事求是的思想路线。今天反对形式主义、官僚主义，仍要从调查研究、讲求实效做起。",
            ),
        ],
    ),
    (
        "理论学习",
        "学习贯彻党的创新理论",
        "原原本本学、联系实际学，把理论学习与本职工作结合起来。",
        [
            (
                "怎样读原著",
                "学习理论要读原著、学原文、悟原理。每次学习可以围绕一个问题，先通读，再精读，最后写下与工作有关的一两点体会，避免只抄笔记不思考。",
            ),
            (
                "理论联系实际",
                "理论学习的成效最终要体现在解决实际问题上。机关党员可以把学习心得转化为改进工作的具体措施，比如简化一项审批流程、改进一次群众来访的接待方式。",
            ),
        ],
    ),
    (
        "廉政教育",
        "廉洁自律 从小事做起",
        "以案为鉴，筑牢拒腐防变的思想防线。",
        [
            (
                "中央八项规定精神",
                "八项规定改变了中国。落实八项规定精神，要从公务接待、公车使用、办公用房等具体事项抓起，常抓不懈、久久为功。",
            ),
            (
                "典型案例警示",
                "许多违纪违法案件都是从收一张购物卡、吃一顿饭开始的。防微杜渐，守住第一道防线，才能守住底线。",
            ),
        ],
    ),
    (
        "业务知识",
        "机关党务工作实务",
        "党务干部的基本功：发展党员、组织关系转接、党费收缴和党建台账。",
        [
            (
                "发展党员工作程序",
                "发展党员要经过入党申请、确定入党积极分子、确定发展对象、接收预备党员和预备党员转正五个阶段，严格按程序办事，坚持标准，保证质量。",
            ),
            (
                "党费收缴与管理",
                "党员应按月交纳党费，党费按税后工资收入的一定比例计算。党支部要按时收缴，建立台账，定期公布党费收缴情况，接受党员监督。",
            ),
        ],
    ),
]

QUESTIONS = {
    "党章党规": [
        (
            "single",
            "党的根本组织原则是什么？",
            ["民主集中制", "集体领导", "个人分工负责", "少数服从多数"],
            "A",
            "党章第十条。",
            1,
        ),
        ("single", "预备党员的预备期为多长？", ["半年", "一年", "两年", "三年"], "B", "", 1),
        (
            "multiple",
            "“三会一课”中的“三会”包括哪些？",
            ["支部党员大会", "支部委员会会议", "党小组会", "民主生活会"],
            "ABC",
            "民主生活会不属于“三会”。",
            2,
        ),
        ("true_false", "党员有义务按时交纳党费。", [], "T", "", 1),
        ("true_false", "党小组会每季度召开一次即可。", [], "F", "党小组会一般每月召开一次。", 2),
        ("fill", "党支部党员大会一般每____召开一次。", [], "季度|一季度", "", 2),
        (
            "multiple",
            "党员享有下列哪些权利？",
            [
                "参加党的有关会议",
                "在党的会议上批评党的任何组织和任何党员",
                "行使表决权、选举权",
                "不经组织同意公开发表不同意见",
            ],
            "ABC",
            "",
            3,
        ),
        (
            "single",
            "党的全国代表大会每几年举行一次？",
            ["三年", "四年", "五年", "六年"],
            "C",
            "",
            1,
        ),
    ],
    "党史": [
        (
            "single",
            "南泥湾大生产运动中开进南泥湾的部队是？",
            ["三五九旅", "一二九师", "一一五师", "新四军军部"],
            "A",
            "",
            1,
        ),
        (
            "multiple",
            "延安整风运动反对的是哪些作风？",
            ["主观主义", "宗派主义", "党八股", "实事求是"],
            "ABC",
            "",
            2,
        ),
        ("true_false", "实事求是的思想路线在延安整风中得到确立。", [], "T", "", 2),
        ("fill", "中国共产党成立于____年。", [], "1921", "", 1),
        ("single", "遵义会议召开于哪一年？", ["1934年", "1935年", "1936年", "1937年"], "B", "", 2),
        ("true_false", "延安时期党中央驻地在西柏坡。", [], "F", "西柏坡是1948年后的驻地。", 2),
    ],
    "廉政教育": [
        ("true_false", "中央八项规定于2012年12月出台。", [], "T", "", 1),
        (
            "multiple",
            "下列哪些属于违反中央八项规定精神的行为？",
            ["违规公款吃喝", "违规发放津补贴", "公车私用", "按标准安排公务接待"],
            "ABC",
            "",
            2,
        ),
        (
            "single",
            "党员收受可能影响公正执行公务的礼品，违反的是哪类纪律？",
            ["政治纪律", "廉洁纪律", "群众纪律", "工作纪律"],
            "B",
            "",
            2,
        ),
        ("fill", "守住第一道____，才能守住底线。", [], "防线", "", 1),
        ("true_false", "逢年过节收受下属一张购物卡属于人之常情，不算违纪。", [], "F", "", 1),
    ],
}

REFLECTION_TEXTS = [
    "这次培训让我重新认识了延安精神。过去总觉得那是历史书上的事，这次听了南泥湾的故事，才体会到困难面前自己动手的意义。回到单位，我准备从压减一份不必要的材料做起，把时间留给下乡调研。",
    "学习延安整风的内容，我最大的收获是实事求是四个字。我们科室每年要报很多表格，不少数据其实可以从已有系统中直接取得。我打算向局里建议，建立数据共享清单，让基层少填表。",
    "坚定正确的政治方向，落到机关工作里，就是每一项决策都要想着群众。培训中一位老同志讲到他当年在乡镇修水渠的经历，我很受触动。服务群众不能只在办公室里想，要到现场去看。",
    "三天的学习时间不长，但内容很实在。我印象最深的是关于党八股的讨论：讲话稿越写越长，真正有用的话却越来越少。以后写材料，我要先问自己：这句话群众能不能听懂，领导能不能用上。",
    "作为一名年轻党员，我对艰苦奋斗一直理解不深。这次参观和讨论让我明白，艰苦奋斗不只是物质上的节俭，更是遇到难题不推诿、不等待的工作态度。我要在窗口岗位上把这种态度落实到每一次接待中。",
    "通过学习，我认识到全心全意为人民服务不是一句口号。延安时期干部和群众同吃同住同劳动，今天我们虽然条件好了，但到村里走访时，依然要放下架子，听听群众真正的难处。",
    "培训安排了专题讲座和分组讨论，大家结合岗位谈体会，气氛很好。我所在的统计岗位，数据质量就是对群众负责。以后每一次数据审核，我都要坚持实事求是，不凑数、不造假。",
    "回顾这次培训，最重要的是找到了差距。对照延安时期干部的作风，我在主动服务、深入基层方面还做得不够。下一步我将每月至少下基层一次，把问题带回来，把办法带下去。",
]
NEAR_COPY = (
    "延安精神是中国共产党的宝贵精神财富。通过这次培训，我深刻认识到坚定正确的政治方向是我们党的根本，"
    "实事求是是我们的思想路线。作为一名机关干部，要把理论学习与本职工作结合起来，在服务群众中践行初心使命，"
    "以艰苦奋斗的作风做好每一项工作。"
)
NEAR_COPY_EDITED = (
    "延安精神是中国共产党的宝贵精神财富。通过本次培训，我深刻认识到坚定正确的政治方向是党的根本，"
    "实事求是是我们党的思想路线。作为一名机关党员干部，要把理论学习与本职工作紧密结合起来，在服务群众中践行初心使命，"
    "以艰苦奋斗的作风做好本职工作。"
)


def _aware(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def seed_learning(rng: random.Random, today: date) -> None:
    admin = User.objects.get(username="admin")
    secretary_a = User.objects.get(username="secretary_a")
    root = Organisation.objects.filter(depth=1).order_by("path").first()
    year = today.year
    themes = {
        name: Theme.objects.create(name=name, order=n) for n, name in enumerate(THEMES, start=1)
    }

    # Question banks and quizzes (through the services).
    quizzes = {}
    for theme_name, questions in QUESTIONS.items():
        bank = services.bank_create(
            actor=admin, organisation=root, title=f"{theme_name}题库", theme=themes[theme_name]
        )
        for kind, text, options, answer, explanation, difficulty in questions:
            services.question_create(
                actor=admin,
                bank=bank,
                kind=kind,
                text=text,
                options=options,
                answer=answer,
                explanation=explanation,
                difficulty=difficulty,
            )
        quizzes[theme_name] = services.quiz_create(
            actor=admin,
            organisation=root,
            title=f"{theme_name}知识测验",
            theme=themes[theme_name],
            question_count=5,
            time_limit_minutes=20,
            pass_mark=60,
            attempt_limit=3,
        )

    # Courses, reviewed and published to the whole committee.
    courses = []
    for theme_name, title, summary, lessons in COURSES:
        course = services.course_create(
            actor=admin, organisation=root, title=title, theme=themes[theme_name], summary=summary
        )
        for n, (lesson_title, text) in enumerate(lessons, start=1):
            services.lesson_create(
                actor=admin,
                course=course,
                title=lesson_title,
                body=P.format(text),
                order=n,
                hours=Decimal("1.5") if n == 1 else Decimal(1),
                link_url="",
            )
        services.course_submit(actor=admin, course=course)
        services.course_review(
            actor=admin, course=course, approve=True, comment="内容准确，同意发布。"
        )
        courses.append(course)
    # A draft in review from a secretary's own organisation.
    committee_a = secretary_a.organisation
    draft = services.course_create(
        actor=secretary_a,
        organisation=committee_a,
        title="本局业务与党建融合案例",
        theme=themes["业务知识"],
        summary="结合本局审批改革的案例教学。",
    )
    services.lesson_create(
        actor=secretary_a,
        course=draft,
        title="案例一：一次办好",
        order=1,
        hours=Decimal(1),
        link_url="",
        body=P.format("以“一次办好”改革为例，介绍党支部如何把党建工作与窗口服务结合起来。"),
    )
    services.course_submit(actor=secretary_a, course=draft)

    # The year's plan for all members, and one more for secretaries and committee members.
    plan = services.plan_create(
        actor=admin,
        organisation=root,
        title=f"{year}年度党员学习计划",
        year=year,
        description="按季度推进，全年学完四门课程。",
    )
    deadlines = [date(year, 3, 31), date(year, 6, 30), date(year, 9, 30), date(year, 12, 20)]
    for course, due in zip(courses[:4], deadlines, strict=True):
        services.plan_item_add(actor=admin, plan=plan, course=course, due_on=due)
    services.plan_assign(actor=admin, plan=plan, organisation=root, audience=Audience.ALL)
    services.plan_publish(actor=admin, plan=plan)
    cadre_plan = services.plan_create(
        actor=admin,
        organisation=root,
        title=f"{year}年度党组织书记和班子成员学习计划",
        year=year,
        description="在全体党员计划之外，加学党务实务和廉政教育。",
    )
    services.plan_item_add(
        actor=admin, plan=cadre_plan, course=courses[5], due_on=date(year, 8, 31)
    )
    services.plan_item_add(
        actor=admin, plan=cadre_plan, course=courses[4], due_on=date(year, 11, 30)
    )
    services.plan_assign(actor=admin, plan=cadre_plan, organisation=root, audience=Audience.CADRES)
    services.plan_publish(actor=admin, plan=cadre_plan)

    _year_of_study(rng, today, courses[:4], list(quizzes.values()))
    _training_class(rng, today, admin, secretary_a, root)
    services.check_copies()
    from core.actors import operator

    services.refresh_study_progress(actor=operator("seed"), year=year, today=today)


def _year_of_study(rng: random.Random, today: date, courses, quizzes) -> None:
    """Lessons finished through the year (in plan order, some members late or behind), the
    hours they credit, and quiz attempts; bulk inserts."""
    members = list(
        Member.objects.filter(status=MemberStatus.ACTIVE)
        .select_related("organisation")
        .order_by("pk")
    )
    lessons = [list(Lesson.objects.filter(course=c).order_by("order")) for c in courses]
    year_start = date(today.year, 1, 5)
    span = max((today - year_start).days, 1)
    completions = []
    for member in members:
        diligence = rng.random()
        day = year_start + timedelta(days=rng.randrange(20))
        for course_lessons in lessons:
            for lesson in course_lessons:
                if rng.random() > 0.35 + diligence * 0.65:
                    break
                day = min(
                    today - timedelta(days=1),
                    day + timedelta(days=rng.randrange(5, 10 + int(span / 12))),
                )
                completions.append(
                    LessonCompletion(
                        lesson=lesson, member=member, completed_at=_aware(day, rng.randrange(8, 21))
                    )
                )
    LessonCompletion.objects.bulk_create(completions, batch_size=2000)
    saved = LessonCompletion.objects.select_related("lesson__course", "member").order_by("pk")
    records = [
        StudyRecord(
            member_id=c.member_id,
            organisation_id=c.member.organisation_id,
            year=c.completed_at.year,
            on=timezone.localdate(c.completed_at),
            hours=c.lesson.hours,
            source_kind=StudySourceKind.LESSON,
            source_type="learning.lessoncompletion",
            source_id=str(c.pk),
            description=f"学完课时：{c.lesson.course.title} · {c.lesson.title}",
            created_by_name="operator:seed",
        )
        for c in saved.iterator(chunk_size=2000)
    ]
    # External training for about one member in eight, entered by the secretaries.
    from learning.models import ExternalTraining

    admin = User.objects.get(username="admin")
    trainings = []
    for member in rng.sample(members, k=max(1, len(members) // 8)):
        on = year_start + timedelta(days=rng.randrange(span))
        title, provider, hours = rng.choice(
            [
                ("州委党校主体班", "中共迪庆州委党校", Decimal(24)),
                ("全省机关党务干部网络示范培训", "云南省直机关工委", Decimal(12)),
                ("乡村振兴专题研修", "州委组织部", Decimal(16)),
            ]
        )
        trainings.append(
            ExternalTraining(
                member=member,
                title=title,
                provider=provider,
                on=on,
                hours=hours,
                evidence="结业证书",
                entered_by=admin,
            )
        )
    # One insert per 2,000 (their ids come back on both databases), not one per member.
    ExternalTraining.objects.bulk_create(trainings, batch_size=2000)
    records += [
        StudyRecord(
            member=entry.member,
            organisation_id=entry.member.organisation_id,
            year=entry.on.year,
            on=entry.on,
            hours=entry.hours,
            source_kind=StudySourceKind.EXTERNAL,
            source_type="learning.externaltraining",
            source_id=str(entry.pk),
            description=f"外部培训：{entry.title}（{entry.provider}）",
            created_by_name="operator:seed",
        )
        for entry in trainings
    ]
    StudyRecord.objects.bulk_create(records, batch_size=2000)
    # Quiz attempts of about a third of the members.
    attempts = []
    from learning.services import question_pool

    pools = {q.pk: list(question_pool(q).values_list("pk", flat=True)) for q in quizzes}
    for member in rng.sample(members, k=len(members) // 3):
        quiz = rng.choice(quizzes)
        drawn = rng.sample(pools[quiz.pk], quiz.question_count)
        correct = rng.choice([2, 3, 3, 4, 4, 5])
        started = _aware(year_start + timedelta(days=rng.randrange(span)), rng.randrange(8, 21))
        score = round(correct * 100 / quiz.question_count)
        attempts.append(
            QuizAttempt(
                quiz=quiz,
                member=member,
                question_ids=drawn,
                answers={},
                started_at=started,
                deadline=started + timedelta(minutes=20),
                submitted_at=started + timedelta(minutes=rng.randrange(5, 18)),
                correct_count=correct,
                score=score,
                passed=score >= quiz.pass_mark,
            )
        )
    QuizAttempt.objects.bulk_create(attempts, batch_size=2000)
    _recompute_totals()


def _recompute_totals() -> None:
    StudyYearTotal.objects.all().delete()
    StudyYearTotal.objects.bulk_create(
        [
            StudyYearTotal(member_id=row["member_id"], year=row["year"], hours=row["total"])
            for row in StudyRecord.objects.values("member_id", "year")
            .annotate(total=Sum("hours"))
            .order_by()
        ],
        batch_size=2000,
    )


def _training_class(rng: random.Random, today: date, admin, secretary_a, root) -> None:
    """A finished Yan'an-spirit class of 30 party affairs workers: quotas, nominations,
    five sessions with attendance, reflections (two near-copies), some reviewed."""
    ends = today - timedelta(days=40)
    starts = ends - timedelta(days=4)
    training_class = services.class_create(
        actor=admin,
        organisation=root,
        title="延安精神专题培训班（党务干部）",
        description="组织 30 名党务工作者赴延安学习延安精神，专题讲座、现场教学和分组讨论相结合。",
        starts_on=starts,
        ends_on=ends,
        organisers=[admin, secretary_a],
    )
    units = list(
        Organisation.objects.filter(depth=2)
        .exclude(kind=OrganisationKind.GROUP)
        .order_by("path")[:10]
    )
    participants = []
    for unit in units:
        services.quota_set(actor=admin, training_class=training_class, organisation=unit, seats=3)
        candidates = list(
            Member.objects.filter(
                organisation__path__startswith=unit.path, status=MemberStatus.ACTIVE
            ).order_by("pk")[:3]
        )
        for member in candidates:
            participants.append(
                services.participant_nominate(
                    actor=admin, training_class=training_class, member=member
                )
            )
    topics = [
        ("延安精神的形成与发展", "延安干部学院教授", Decimal(3)),
        ("南泥湾现场教学", "南泥湾景区讲解员", Decimal(3)),
        ("整风运动与实事求是", "延安干部学院副教授", Decimal(3)),
        ("杨家岭、枣园现场教学", "延安干部学院讲师", Decimal(3)),
        ("分组讨论与结业式", "州直机关工委", Decimal(2)),
    ]
    for n, (topic, lecturer, hours) in enumerate(topics):
        session = services.session_create(
            actor=admin,
            training_class=training_class,
            on=starts + timedelta(days=n),
            hours=hours,
            topic=topic,
            lecturer=lecturer,
            place="延安",
        )
        statuses = {
            p.pk: AttendanceStatus.PRESENT if rng.random() < 0.93 else AttendanceStatus.EXCUSED
            for p in participants
        }
        services.attendance_record(actor=admin, session=session, statuses=statuses)
    # Reflections: eight originals, two near-copies of one another.
    texts = REFLECTION_TEXTS + [NEAR_COPY, NEAR_COPY_EDITED]
    for participant, text in zip(participants, texts, strict=False):
        submitted = _aware(ends + timedelta(days=rng.randrange(1, 6)))
        Reflection.objects.create(
            participant=participant,
            title="学习延安精神心得体会",
            body=text,
            submitted_at=submitted,
        )
    for reflection in Reflection.objects.filter(
        participant__training_class=training_class
    ).order_by("pk")[:5]:
        services.reflection_review(
            actor=admin, reflection=reflection, accept=True, comment="体会真切，联系实际。"
        )
    for participant in participants[:12]:
        services.certificate_issue(actor=admin, participant=participant)
    assert ClassSession.objects.filter(training_class=training_class).count() == len(topics)
    assert Participant.objects.filter(training_class=training_class).count() == len(participants)
