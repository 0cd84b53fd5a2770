"""Demo news for `flask seed-demo`: articles, announcements and events of the demo districts in three languages.

Covers are drawn with Pillow at seed time (nothing is downloaded) and stored
like uploads, in every width. Some articles are scheduled, some are drafts or
in review, one is archived, some are written in Azerbaijani only (to show the
fallback). Idempotent: an article whose Azerbaijani title its district (or the
national newsroom) already has is left alone.
"""
from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from app.extensions import db
from app.kit.calendar import BAKU
from app.models import Article, ArticleImage, ArticleText, ArticleVersion, District, Tag, User, utcnow
from app.news import images as news_images
from app.news import render as news_render
from app.news import service as news
from app.news.signals import article_changed

DEMO_TAGS = [
    ("roads", "Yollar", "Дороги", "Roads"),
    ("culture", "Mədəniyyət", "Культура", "Culture"),
    ("health", "Səhiyyə", "Здравоохранение", "Health"),
    ("education", "Təhsil", "Образование", "Education"),
    ("utilities", "Kommunal xidmətlər", "Коммунальные услуги", "Utilities"),
    ("environment", "Ətraf mühit", "Окружающая среда", "Environment"),
    ("sport", "İdman", "Спорт", "Sport"),
    ("reception", "Vətəndaş qəbulu", "Приём граждан", "Citizen reception"),
]

# Each article: district code (None: national), kind, status, days from now (negative: in the past; the
# publication time, the schedule time, or the event's start), tags, picture palette (None: no cover), and
# the texts: {lang: (title, summary, body, picture description)}; a missing language falls back to az.
# An event also has its place as (az, ru, en) and its length in hours.
DEMO_ARTICLES: list[dict] = [
    {
        "district": "GNC", "kind": "news", "status": "published", "days": -2, "tags": ["roads"], "picture": "road",
        "texts": {
            "az": ("Nizami küçəsində asfalt örtüyü yeniləndi", "1,2 km-lik hissədə yeni asfalt döşəndi və səkilər təmir olundu.",
                   "Gəncə Şəhər İcra Hakimiyyətinin təşəbbüsü ilə **Nizami küçəsinin** 1,2 km-lik hissəsində "
                   "təmir işləri başa çatıb.\n\n- köhnə örtük sökülüb;\n- yeni asfalt döşənib;\n- səki bordürləri "
                   "dəyişdirilib.\n\nSakinlərin müraciətləri əsasında işlər planlaşdırılmışdan iki həftə tez bitib.",
                   "Yeni asfalt döşənmiş geniş küçə, kənarlarda ağaclar"),
            "ru": ("На улице Низами обновлено асфальтовое покрытие", "На участке 1,2 км уложен новый асфальт и отремонтированы тротуары.",
                   "По инициативе Гянджинской городской исполнительной власти завершён ремонт **улицы Низами** "
                   "на участке 1,2 км.\n\n- снято старое покрытие;\n- уложен новый асфальт;\n- заменены бордюры.\n\n"
                   "Работы по обращениям жителей закончены на две недели раньше срока.",
                   "Широкая улица с новым асфальтом, по краям деревья"),
            "en": ("Nizami street resurfaced", "New asphalt was laid on 1.2 km and the pavements were repaired.",
                   "Ganja City Executive Authority has finished repairing a 1.2 km stretch of **Nizami street**.\n\n"
                   "- the old surface was removed;\n- new asphalt was laid;\n- the kerbs were replaced.\n\n"
                   "The work, planned after residents' appeals, ended two weeks early.",
                   "A wide street with new asphalt, trees along both sides"),
        },
    },
    {
        "district": "GNC", "kind": "announcement", "status": "published", "days": -1, "tags": ["utilities"],
        "picture": None,
        "texts": {
            "az": ("Kəpəz rayonunda su təchizatında planlı fasilə", "Çərşənbə günü 10:00–16:00 arasında su verilməyəcək.",
                   "Su xəttinin təmiri ilə əlaqədar **çərşənbə günü saat 10:00-dan 16:00-dək** Kəpəz rayonunun "
                   "Atatürk və Cavadxan küçələrində su verilməyəcək.\n\nSakinlərdən əvvəlcədən su ehtiyatı "
                   "görmələri xahiş olunur.", ""),
            "ru": ("Плановое отключение воды в Кяпазском районе", "В среду с 10:00 до 16:00 воды не будет.",
                   "В связи с ремонтом водопровода **в среду с 10:00 до 16:00** на улицах Ататюрка и Джавадхана "
                   "Кяпазского района не будет воды.\n\nЖителей просят заранее запастись водой.", ""),
            "en": ("Planned water cut in Kapaz district", "No water on Wednesday from 10:00 to 16:00.",
                   "Because of repairs to the main, there will be **no water on Wednesday from 10:00 to 16:00** "
                   "on Ataturk and Javadkhan streets in Kapaz district.\n\nResidents are asked to store water "
                   "in advance.", ""),
        },
    },
    {
        "district": "GNC", "kind": "event", "status": "published", "days": 9, "tags": ["culture"], "picture": "fair",
        "published_days": -3, "hours": 6,
        "place": ("Heydər Əliyev meydanı, Gəncə", "Площадь Гейдара Алиева, Гянджа", "Heydar Aliyev Square, Ganja"),
        "texts": {
            "az": ("Yeni il yarmarkası", "Yerli istehsalçıların məhsulları, uşaqlar üçün konsert və əyləncələr.",
                   "Gəncədə ənənəvi **Yeni il yarmarkası** keçiriləcək. Yarmarkada yerli istehsalçıların bal, "
                   "şirniyyat və əl işləri satılacaq, uşaqlar üçün konsert təşkil olunacaq.\n\nGiriş pulsuzdur.",
                   "Meydanda işıqlandırılmış yarmarka çadırları və yolka"),
            "ru": ("Новогодняя ярмарка", "Продукция местных производителей, концерт и развлечения для детей.",
                   "В Гяндже пройдёт традиционная **новогодняя ярмарка**: мёд, сладости и изделия ручной работы "
                   "местных мастеров, концерт для детей.\n\nВход свободный.",
                   "Освещённые палатки ярмарки и ёлка на площади"),
            "en": ("New Year fair", "Local producers' goods, a concert and games for children.",
                   "Ganja holds its traditional **New Year fair**: honey, sweets and crafts from local makers, "
                   "and a concert for children.\n\nEntry is free.",
                   "Lit fair stalls and a Christmas tree on the square"),
        },
    },
    {
        "district": "GNC", "kind": "event", "status": "published", "days": 4, "tags": ["reception"], "picture": None,
        "published_days": -4, "hours": 3,
        "place": ("Gəncə Şəhər İcra Hakimiyyəti, Nizami küç. 1", "Исполнительная власть города Гянджа, ул. Низами, 1",
                  "Ganja City Executive Authority, 1 Nizami Street"),
        "texts": {
            "az": ("Şəhər icra hakimiyyətinin başçısının səyyar qəbulu", "Sakinlər qəbula portal vasitəsilə yazıla bilərlər.",
                   "İcra hakimiyyətinin başçısı Kəpəz rayonunun sakinlərini **səyyar qəbulda** dinləyəcək. "
                   "Qəbula [portal vasitəsilə](/reception/) əvvəlcədən yazılmaq tövsiyə olunur.", ""),
        },
    },
    {
        "district": "GNC", "kind": "news", "status": "scheduled", "days": 2, "tags": ["education"], "picture": "school",
        "texts": {
            "az": ("5 nömrəli məktəbdə yeni idman zalı açılır", "Zal 300 şagird üçün nəzərdə tutulub.",
                   "Təmirdən sonra **5 nömrəli tam orta məktəbin** idman zalı yenidən istifadəyə verilir.",
                   "Yeni taxta döşəməli geniş idman zalı"),
            "ru": ("В школе № 5 открывается новый спортзал", "Зал рассчитан на 300 учеников.",
                   "После ремонта вновь открывается спортзал **средней школы № 5**.",
                   "Просторный спортзал с новым деревянным полом"),
            "en": ("A new gym opens at School No. 5", "The gym serves 300 pupils.",
                   "After repairs, the gym of **Secondary School No. 5** opens again.",
                   "A spacious gym with a new wooden floor"),
        },
    },
    {
        "district": "GNC", "kind": "news", "status": "draft", "days": 0, "tags": ["environment"], "picture": None,
        "texts": {"az": ("Göygöl yolunun kənarında ağacəkmə aksiyası", "Könüllülər 500 ağac əkəcək.",
                         "Aksiya şənbə günü keçiriləcək; iştirak etmək istəyənlər qeydiyyatdan keçə bilər.", "")},
    },
    {
        "district": "GNC", "kind": "announcement", "status": "review", "days": 0, "tags": ["health"], "picture": None,
        "texts": {"az": ("Pulsuz tibbi müayinə günləri", "Poliklinikada bir həftə ərzində pulsuz müayinə.",
                         "Şəhər poliklinikasında 60 yaşdan yuxarı sakinlər üçün pulsuz müayinə təşkil olunur.", "")},
    },
    {
        "district": "GNC", "kind": "news", "status": "archived", "days": -60, "tags": ["sport"], "picture": None,
        "texts": {"az": ("Şəhər futbol turnirinin qalibləri müəyyənləşdi", "Turnirdə 12 komanda iştirak edib.",
                         "Payız turnirinin finalında Kəpəz komandası qalib gəlib.", "")},
    },
    {
        "district": "MSL", "kind": "news", "status": "published", "days": -3, "tags": ["utilities"], "picture": "pipes",
        "texts": {
            "az": ("Masallının üç kəndinə təbii qaz çəkildi", "Təxminən 900 ailə qazla təmin olunub.",
                   "Ərkivan, Təzəkənd və Kolatan kəndlərinə **təbii qaz xətti** çəkilib. Təxminən 900 ailə "
                   "mavi yanacaqla təmin olunub.", "Kənd evləri boyunca çəkilmiş sarı qaz boruları"),
            "ru": ("Три села Масаллы газифицированы", "Газ получили около 900 семей.",
                   "В сёла Аркиван, Тязякенд и Колатан проведён **газопровод**. Газ получили около 900 семей.",
                   "Жёлтые газовые трубы вдоль сельских домов"),
        },
    },
    {
        "district": "MSL", "kind": "event", "status": "published", "days": 12, "tags": ["culture", "sport"],
        "picture": "field", "published_days": -1, "hours": 4,
        "place": ("Masallı Olimpiya İdman Kompleksi", "Масаллинский олимпийский спортивный комплекс",
                  "Masalli Olympic Sports Complex"),
        "texts": {
            "az": ("Novruz bayramı münasibətilə xalq oyunları festivalı", "Zorxana, güləş və milli oyunlar.",
                   "Festivalda **zorxana**, güləş yarışları və uşaqlar üçün milli oyunlar olacaq.",
                   "Yaşıl meydançada bayraqlar və tamaşaçılar"),
            "ru": ("Фестиваль народных игр к празднику Новруз", "Зорхана, борьба и национальные игры.",
                   "На фестивале пройдут **зорхана**, соревнования по борьбе и национальные игры для детей.",
                   "Флаги и зрители на зелёном поле"),
            "en": ("Folk games festival for Novruz", "Zorkhana, wrestling and national games.",
                   "The festival brings **zorkhana**, wrestling bouts and national games for children.",
                   "Flags and spectators on a green field"),
        },
    },
    {
        "district": "MSL", "kind": "announcement", "status": "scheduled", "days": 5, "tags": ["reception"],
        "picture": None,
        "texts": {"az": ("Dekabr ayı üzrə vətəndaş qəbulu qrafiki", "Başçının qəbul günləri.",
                         "Rayon icra hakimiyyəti başçısının dekabr ayı üzrə qəbul qrafiki açıqlanır.", "")},
    },
    {
        "district": "QBA", "kind": "news", "status": "published", "days": -5, "tags": ["environment"],
        "picture": "orchard",
        "texts": {
            "az": ("Qubada alma bağlarının suvarma sistemi yeniləndi", "Damcı suvarma 120 hektarı əhatə edir.",
                   "Fermerlərin müraciəti ilə 120 hektar alma bağında **damcı suvarma sistemi** quraşdırılıb.",
                   "Cərgə ilə əkilmiş alma ağacları və dağlar"),
            "ru": ("В Губе обновлена система орошения яблоневых садов", "Капельное орошение охватывает 120 гектаров.",
                   "По обращению фермеров на 120 гектарах садов установлена **система капельного орошения**.",
                   "Ряды яблонь на фоне гор"),
            "en": ("Quba's apple orchards get new irrigation", "Drip irrigation now covers 120 hectares.",
                   "At farmers' request, a **drip irrigation system** was installed on 120 hectares of orchards.",
                   "Rows of apple trees with mountains behind"),
        },
    },
    {
        "district": "QBA", "kind": "event", "status": "published", "days": 20, "tags": ["culture"], "picture": None,
        "published_days": -2, "hours": 3,
        "place": ("Quba Rayon Mədəniyyət Mərkəzi", "Губинский районный центр культуры", "Quba District Culture Centre"),
        "texts": {"az": ("Xalçaçılıq sərgisi", "Quba xalçalarının sərgisi və ustad dərsləri.",
                         "Sərgidə Quba xalçaçılıq məktəbinin nümunələri nümayiş olunacaq.", ""),
                  "en": ("Carpet exhibition", "Quba carpets and master classes.",
                         "The exhibition shows pieces of the Quba carpet-weaving school.", "")},
    },
    {
        "district": "SKI", "kind": "news", "status": "published", "days": -4, "tags": ["culture"], "picture": "palace",
        "texts": {
            "az": ("Şəki Xan Sarayında bərpa işləri başa çatdı", "Saray ziyarətçilər üçün yenidən açıqdır.",
                   "Bərpa zamanı **şəbəkə pəncərələri** ustalar tərəfindən əl ilə təmir olunub.",
                   "Rəngli şəbəkə pəncərələri olan tarixi saray fasadı"),
            "ru": ("В Шекинском ханском дворце завершена реставрация", "Дворец снова открыт для посетителей.",
                   "Во время реставрации мастера вручную восстановили **окна-шебеке**.",
                   "Исторический фасад дворца с цветными окнами-шебеке"),
            "en": ("Restoration of Shaki Khan's Palace completed", "The palace is open to visitors again.",
                   "During the restoration, craftsmen repaired the **shebeke windows** by hand.",
                   "A historic palace front with coloured shebeke windows"),
        },
    },
    {
        "district": None, "kind": "news", "status": "published", "days": -1, "tags": ["reception"], "picture": "portal",
        "texts": {
            "az": ("Rəqəmsal İcra portalında xəbərlər bölməsi açıldı", "İcra hakimiyyətlərinin xəbərləri bir yerdə.",
                   "Bütün rayon və şəhər icra hakimiyyətlərinin **xəbərləri, elanları və tədbirləri** artıq "
                   "portalda üç dildə dərc olunur.", "Portalın loqosu ilə mavi fon"),
            "ru": ("На портале «Цифровая исполнительная власть» открыт раздел новостей",
                   "Новости исполнительных властей в одном месте.",
                   "**Новости, объявления и мероприятия** всех районных и городских исполнительных властей "
                   "теперь публикуются на портале на трёх языках.", "Синий фон с логотипом портала"),
            "en": ("News opens on the Digital Executive Authority portal", "The authorities' news in one place.",
                   "**News, announcements and events** of every district and city executive authority are now "
                   "published on the portal in three languages.", "A blue background with the portal's logo"),
        },
    },
    {
        "district": None, "kind": "announcement", "status": "published", "days": -6, "tags": [], "picture": None,
        "texts": {"az": ("Bayram günlərində qəbul saatları", "Bayram günlərində vətəndaş qəbulu keçirilmir.",
                         "Bayram günlərində vətəndaş qəbulu keçirilmir; müraciətləri portal vasitəsilə göndərmək olar.", ""),
                  "ru": ("Часы приёма в праздничные дни", "В праздничные дни приём граждан не проводится.",
                         "В праздничные дни приём граждан не проводится; обращения можно отправить через портал.", "")},
    },
]

# Colours of the drawn covers: (sky, ground, accent).
PALETTES = {
    "road": ((120, 170, 220), (70, 70, 75), (240, 210, 60)),
    "fair": ((25, 30, 70), (120, 40, 40), (250, 200, 80)),
    "school": ((190, 210, 235), (170, 120, 70), (200, 60, 50)),
    "pipes": ((150, 190, 230), (110, 150, 80), (240, 200, 40)),
    "field": ((130, 190, 240), (60, 150, 70), (220, 40, 40)),
    "orchard": ((160, 200, 240), (80, 130, 60), (200, 30, 40)),
    "palace": ((140, 180, 230), (190, 160, 120), (40, 90, 170)),
    "portal": ((11, 79, 138), (8, 58, 102), (255, 191, 71)),
}


@functools.lru_cache(maxsize=len(PALETTES))
def draw_cover(name: str, width: int = 1600, height: int = 900) -> bytes:
    """A simple landscape in the palette ``name`` (sky, hills, sun, a row of shapes), as PNG bytes (drawn once per
    process: the same picture every time, and 23 ms to draw)."""
    sky, ground, accent = PALETTES[name]
    picture = Image.new("RGB", (width, height), sky)
    draw = ImageDraw.Draw(picture)
    for y in range(height // 2):
        shade = tuple(min(255, c + y * 60 // height) for c in sky)
        draw.line([(0, y), (width, y)], fill=shade)
    draw.ellipse([width * 0.72, height * 0.1, width * 0.84, height * 0.1 + width * 0.12], fill=accent)
    hills = [(0, height)] + [(x, height * 0.55 + math.sin(x / width * 6.0) * height * 0.06)
                             for x in range(0, width + 1, 40)] + [(width, height)]
    draw.polygon(hills, fill=ground)
    for i in range(7):
        x = width * (0.08 + i * 0.12)
        draw.rectangle([x, height * 0.62, x + width * 0.06, height * 0.8], fill=accent)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


class _Drawn:
    """A drawn cover in the shape of an upload, so it goes through the same checks and resizing."""

    def __init__(self, name: str):
        self.filename = f"{name}.png"
        self.stream = io.BytesIO(draw_cover(name))


def seed_tags() -> dict[str, Tag]:
    """The demo tags (missing ones added); by slug."""
    existing = {t.slug: t for t in db.session.scalars(select(Tag))}
    for slug, az, ru, en in DEMO_TAGS:
        if slug not in existing:
            existing[slug] = Tag(slug=slug, name_az=az, name_ru=ru, name_en=en)
            db.session.add(existing[slug])
    db.session.flush()
    return existing


def _author(code: str | None, users: dict[str, User | None]) -> User | None:
    """Gəncə's editor writes for Gəncə, Masallı's head for Masallı, the administrator for the rest."""
    return {"GNC": users["editor.gnc@demo.az"], "MSL": users["head.msl@demo.az"]}.get(code) or users["admin@demo.az"]


def seed_demo_news(now: datetime | None = None, progress: Callable[[Iterable], Iterable] = iter) -> int:
    """Add the demo articles that are missing; returns how many were new."""
    now = now or utcnow()
    districts = {d.code: d for d in db.session.scalars(select(District).where(
        District.code.in_({a["district"] for a in DEMO_ARTICLES if a["district"]})))}
    users = {email: db.session.scalar(select(User).where(User.email == email))
             for email in ("editor.gnc@demo.az", "head.msl@demo.az", "admin@demo.az")}
    if users["admin@demo.az"] is None:
        return 0
    tags = seed_tags()
    have = set(db.session.execute(select(Article.district_id, ArticleText.title)
                                  .join(ArticleText, ArticleText.article_id == Article.id)
                                  .where(ArticleText.lang == "az")).tuples())
    created: list[Article] = []
    written: list[str] = []
    try:
        for spec in progress(DEMO_ARTICLES):
            district = districts.get(spec["district"]) if spec["district"] else None
            if spec["district"] and district is None:
                continue
            district_id = district.id if district else None
            if (district_id, spec["texts"]["az"][0]) in have:
                continue
            article, files_written = _add(spec, district_id, _author(spec["district"], users), tags, now)
            written += files_written
            created.append(article)
        db.session.commit()
    except Exception:
        db.session.rollback()
        from app.kit import files

        files.remove(written)
        raise
    for article in created:
        if article.status == "published":
            article_changed.send(article.id)
    return len(created)


def _add(spec: dict, district_id: int | None, author: User, tags: dict[str, Tag],
         now: datetime) -> tuple[Article, list[str]]:
    """One demo article with its cover, texts, tags and first version; returns it and the files written."""
    at = (now + timedelta(days=spec["days"])).astimezone(BAKU).replace(hour=10, minute=0, second=0, microsecond=0)
    status = spec["status"]
    article = Article(district_id=district_id, kind=spec["kind"], status=status, author_id=author.id,
                      created_at=now - timedelta(days=max(1, -spec["days"]) + 1), updated_at=now)
    if spec["kind"] == "event":
        article.starts_at = at
        article.ends_at = at + timedelta(hours=spec.get("hours", 2))
        article.place_az, article.place_ru, article.place_en = spec["place"]
        published = (now + timedelta(days=spec.get("published_days", -1))).replace(microsecond=0)
    else:
        published = at
    if status in ("published", "archived"):
        article.published_at = published
    elif status == "scheduled":
        article.publish_at = at
    written: list[str] = []
    if spec["picture"]:
        prepared = news_images.prepare(_Drawn(spec["picture"]))
        stored_name, written = news_images.write(prepared)
        image = ArticleImage(district_id=district_id, uploaded_by_id=author.id, stored_name=stored_name,
                             original_name=f"{spec['picture']}.png", width=prepared.width, height=prepared.height,
                             widths=prepared.widths, sha256=prepared.sha256, created_at=now)
        db.session.add(image)
        db.session.flush()
        article.cover_image_id = image.id
    for lang, (title, summary, body, alt) in spec["texts"].items():
        article.texts.append(ArticleText(lang=lang, title=title, summary=summary, body_md=body,
                                         body_html=news_render.render(body), image_alt=alt or None))
    article.tags = [tags[slug] for slug in spec["tags"]]
    db.session.add(article)
    db.session.flush()
    db.session.add(ArticleVersion(article_id=article.id, number=1, status=status, changed_by_id=author.id,
                                  created_at=now, changed_fields="", snapshot=news.snapshot(article)))
    return article, written
