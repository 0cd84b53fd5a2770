"""Plain factory functions for test data (no fixtures to decode)."""
from __future__ import annotations

from app.accounts.passwords import hash_password
from app.administration import seed
from app.extensions import db
from app.models import District, RoleAssignment, User, utcnow

PASSWORD = "Kitab-Qələm-2026"
# The TOTP secret of the test users whose role requires two-factor sign-in (administrators, supervisors).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

# What production needs besides its database, for tests that build a production app in-process
# (Redis is the machine's; the prefix keeps the tests' keys apart from anything else there).
PRODUCTION_SETTINGS = {"SECRET_KEY": "p" * 48, "PUBLIC_URL": "https://portal.example.az",
                       "QUEUE_URL": "redis://127.0.0.1:6379/0", "REDIS_PREFIX": "reqemsal-test"}


# The rows the seeder wrote the first time, per database: later calls on empty tables insert them in one statement
# per table (the seeder's row-by-row work was a fifth of a typical test's time).
_REFERENCE_ROWS: dict[str, list[tuple[object, list[dict]]]] = {}


def create_reference_data() -> dict[str, District]:
    """The project's 20 districts with departments, and the categories; districts by code.

    The first call per database runs the real seeder (``seed.seed_reference_data``) and keeps what it wrote; a
    later call on empty reference tables writes the same rows, ids included, in one INSERT per table. Explicit ids
    are safe: on PostgreSQL the tables' sequences only ever grow past them, on SQLite the next id follows the
    largest one."""
    from app.models import Category, Department

    tables = [District.__table__, Department.__table__, Category.__table__]
    key = str(db.engine.url)
    empty = not any(db.session.scalar(db.select(db.func.count()).select_from(table)) for table in tables)
    if empty and key in _REFERENCE_ROWS:
        for table, rows in _REFERENCE_ROWS[key]:
            db.session.execute(table.insert(), rows)
        db.session.commit()
    else:
        seed.seed_reference_data()
        if empty:
            _REFERENCE_ROWS[key] = [(table, [dict(row._mapping) for row in db.session.execute(table.select())])
                                    for table in tables]
    return {d.code: d for d in db.session.scalars(db.select(District))}


def create_user(
    email: str = "resident@example.az",
    *,
    full_name: str = "Aygün Həsənova",
    password: str = PASSWORD,
    confirmed: bool = True,
    roles: list[tuple[str, District | None]] = (),
    locale: str = "az",
    active: bool = True,
    two_factor: bool | None = None,
) -> User:
    """A user with these roles, committed. Two-factor sign-in (secret ``TOTP_SECRET``) is set up when
    ``two_factor`` says so, by default when a role requires it."""
    user = User(
        email=email.lower(),
        full_name=full_name,
        password_hash=hash_password(password),
        confirmed_at=utcnow() if confirmed else None,
        locale=locale,
        active=active,
    )
    for role, district in roles:
        user.roles.append(RoleAssignment(role=role, district_id=district.id if district else None))
    if two_factor or (two_factor is None and {role for role, _district in roles} & {"admin", "supervisor"}):
        from app.accounts.two_factor import set_secret

        set_secret(user, TOTP_SECRET)
    db.session.add(user)
    db.session.commit()
    return user


def appeal_input(district: District, category, **changes):
    """A valid filing for ``district``; keyword arguments change any field."""
    from app.appeals.service import AppealInput

    values = dict(
        district_id=district.id,
        category_id=category.id,
        kind="complaint",
        subject="Küçədə su yoxdur",
        text="Üç gündür ki, küçəmizdə su yoxdur.",
        applicant_name="Aygün Həsənova",
        applicant_address="Gəncə ş., Nizami küç. 5",
    )
    values.update(changes)
    return AppealInput(**values)


def create_appeal(citizen: User, district: District, category=None, now=None, **changes):
    """An appeal filed through the service (number, deadline and timeline as in life)."""
    from app.appeals import service as appeals
    from app.models import Category

    category = category or db.session.scalars(db.select(Category).order_by(Category.id)).first()
    return appeals.file_appeal(citizen, appeal_input(district, category, **changes), now=now)


class Upload:
    """A stand-in for an uploaded file as werkzeug hands it to the view (name and a stream)."""

    def __init__(self, filename: str, data: bytes):
        import io

        self.filename = filename
        self.stream = io.BytesIO(data)


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _plain_png() -> bytes:
    """A real 4×4 PNG without metadata, as Pillow writes it: re-encoding it (uploads are) gives the same bytes."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 60, 30)).save(out, "PNG")
    return out.getvalue()


PNG = _plain_png()
EXE = b"MZ\x90\x00" + b"\x00" * 64


SERVICE_FIELDS = [
    {"key": "purpose", "type": "select", "required": True, "label_az": "Arayışın məqsədi", "label_ru": "Цель справки",
     "label_en": "Purpose of the certificate",
     "options": [{"value": "school", "label_az": "Məktəb üçün", "label_ru": "Для школы", "label_en": "For a school"},
                 {"value": "bank", "label_az": "Bank üçün", "label_ru": "Для банка", "label_en": "For a bank"}]},
    {"key": "members", "type": "number", "required": True, "min": 1, "max": 20, "label_az": "Ailə üzvlərinin sayı",
     "label_ru": "Число членов семьи", "label_en": "Number of family members"},
    {"key": "birth_date", "type": "date", "required": False, "label_az": "Doğum tarixi", "label_ru": "Дата рождения",
     "label_en": "Date of birth"},
    {"key": "note", "type": "long_text", "required": False, "max": 500, "label_az": "Əlavə məlumat",
     "label_ru": "Дополнительные сведения", "label_en": "Additional information"},
    {"key": "passport", "type": "file", "required": True, "label_az": "Şəxsiyyət vəsiqəsinin surəti",
     "label_ru": "Копия удостоверения личности", "label_en": "Copy of the identity card"},
    {"key": "truth", "type": "checkbox", "required": True, "label_az": "Məlumatların doğruluğunu təsdiq edirəm",
     "label_ru": "Подтверждаю достоверность сведений", "label_en": "I confirm the information is true"},
]


def create_service(districts, code: str = "residence-certificate", fields=None, processing_days: int = 5,
                   online: bool = True, active: bool = True):
    """A service offered by ``districts`` with form version 1 (``fields`` or a form using every field type)."""
    from app.models import Service, ServiceForm

    texts = {f"{stem}_{lang}": f"{stem} {code} {lang}"
             for stem in ("summary", "eligibility", "documents", "legal_basis") for lang in ("az", "ru", "en")}
    titles = (("Yaşayış yeri haqqında arayış", "Справка о месте жительства", "Certificate of residence")
              if code == "residence-certificate" else (f"Xidmət {code}", f"Услуга {code}", f"Service {code}"))
    service = Service(code=code, title_az=titles[0], title_ru=titles[1], title_en=titles[2],
                      processing_days=processing_days, life_situation="certificates",
                      online=online, front_desk=True, active=active, fee=0, **texts)
    service.districts = list(districts)
    service.forms.append(ServiceForm(version=1, fields=fields if fields is not None else SERVICE_FIELDS))
    db.session.add(service)
    db.session.commit()
    return service


def application_input(service, district: District, members: str = "4", passport: str = "passport.pdf"):
    """A valid application for ``service`` (form version in force, ``SERVICE_FIELDS``) in ``district``: a school
    certificate for a family of ``members``, with a passport copy named ``passport``."""
    from app.eservices import service as eservices

    form = eservices.current_form(service)
    return eservices.ApplicationInput(
        service_id=service.id, district_id=district.id, form_id=form.id,
        answers={"purpose": "school", "members": members, "birth_date": None, "note": "", "truth": True},
        uploads={"passport": [Upload(passport, PDF)]})


def create_proposal(author: User, district: District, category, title: str, *, text: str = "Mətn.",
                    publish: bool = True):
    """A proposal of ``author`` to ``district``, published (collecting support) unless ``publish`` is False."""
    from app.proposals import service as proposals

    return proposals.create(author, proposals.ProposalInput(district.id, category.id, title, text),
                            publish_now=publish)

# --- News -----------------------------------------------------------------------------------------

TAGS = [("roads", "Yollar", "Дороги", "Roads"), ("culture", "Mədəniyyət", "Культура", "Culture"),
        ("health", "Səhiyyə", "Здравоохранение", "Health")]


def create_tags() -> dict:
    """A few tags; by slug."""
    from app.models import Tag

    tags = {}
    for slug, az, ru, en in TAGS:
        tag = Tag(slug=slug, name_az=az, name_ru=ru, name_en=en)
        db.session.add(tag)
        tags[slug] = tag
    db.session.commit()
    return tags


def create_article(author: User, district: District | None, *, status: str = "published", kind: str = "news",
                   title: str = "Yeni park açıldı", langs=("az", "ru", "en"), tags=(), published_at=None,
                   publish_at=None, starts_at=None, ends_at=None, place=None, body: str = "Parkda **100** ağac əkildi."):
    """An article written straight into the database (texts rendered as the service does), committed."""
    from datetime import timedelta

    from app.models import Article, ArticleText
    from app.news import render as news_render

    now = utcnow()
    if status in ("published", "archived") and published_at is None:
        published_at = now - timedelta(hours=1)
    if kind == "event" and starts_at is None:
        starts_at = now + timedelta(days=3)
        place = place or "Mərkəzi park"
    article = Article(district_id=district.id if district else None, kind=kind, status=status, author_id=author.id,
                      published_at=published_at, publish_at=publish_at, starts_at=starts_at, ends_at=ends_at,
                      place_az=place, created_at=now, updated_at=now)
    for lang in langs:
        label = "" if lang == "az" else f" ({lang})"
        article.texts.append(ArticleText(lang=lang, title=f"{title}{label}", summary=f"Qısa məzmun{label}",
                                         body_md=body, body_html=news_render.render(body)))
    article.tags = list(tags)
    db.session.add(article)
    db.session.commit()
    return article


def image_bytes(width: int = 1200, height: int = 800, fmt: str = "JPEG", exif: bool = True) -> bytes:
    """A picture made with Pillow. With ``exif`` it carries what a phone's photo does, to prove it is stripped: EXIF
    with the camera (make "SecretCam", a serial number) and a GPS position (40°22′N 49°50′E, in Baku), an XMP
    packet and a comment naming the place; a PNG carries the EXIF (eXIf), text chunks and a colour profile."""
    import io

    from PIL import Image, ImageCms, PngImagePlugin

    picture = Image.new("RGB", (width, height), (30, 120, 200))
    out = io.BytesIO()
    if not exif:
        picture.save(out, fmt)
        return out.getvalue()
    data = Image.Exif()
    data[0x010F] = "SecretCam"  # Make
    data[0x0110] = "SecretCam Pro 7"  # Model
    data[0xA431] = "SN-4711"  # BodySerialNumber (in the Exif IFD for readers, here in IFD0: still written out)
    data[0x8825] = {1: "N", 2: (40.0, 22.0, 30.0), 3: "E", 4: (49.0, 50.0, 15.0)}  # GPS IFD: latitude, longitude
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    if fmt == "JPEG":
        picture.save(out, fmt, exif=data.tobytes(), icc_profile=profile, comment=b"GPS 40.375 49.837 SecretCam",
                     xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">exif:GPSLatitude 40,22.5N SecretCam</x:xmpmeta>')
    else:
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", "GPS 40.375 49.837 SecretCam")
        text.add_itxt("XML:com.adobe.xmp", "exif:GPSLatitude 40,22.5N SecretCam")
        picture.save(out, fmt, exif=data.tobytes(), icc_profile=profile, pnginfo=text)
    return out.getvalue()


def seed_demo_records(appeals: int = 120, news: bool = False) -> None:
    """Every area's demo records, as ``flask seed-demo`` loads them (fewer appeals; the news only when asked), on
    top of the reference data and demo accounts."""
    from app.appeals import demo
    from app.commitments import service as commitments
    from app.consultations import demo as consultation_demo
    from app.eservices import demo as eservice_seed
    from app.news import demo as news_demo
    from app.polls import demo as poll_demo
    from app.proposals import demo as proposal_demo

    demo.seed_demo_appeals(appeals)
    demo.seed_demo_receptions()
    commitments.seed_demo()
    eservice_seed.seed_catalogue()
    eservice_seed.seed_demo_applications(*demo.demo_service_people())
    consultation_demo.seed_demo_consultations()
    poll_demo.seed_demo()
    proposal_demo.seed_demo()
    if news:
        news_demo.seed_demo_news()
