"""Issue 15, item 3: pictures are never published with their location.

A phone's photo carries where it was taken (EXIF GPS), the camera and its serial number. Every form that takes a file
is sent such a photo (a JPEG and a PNG, each with EXIF GPS, XMP, a comment and a colour profile; see
``factories.image_bytes``), and everything the portal serves back (downloads for the applicant and the officials,
the proposal's picture, the news cover, the resident's data download) is checked to carry none of it.
"""
from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from PIL import ExifTags, Image
from sqlalchemy import select

from app.extensions import db
from app.kit import files, storage
from app.kit.errors import Invalid
from app.models import (
    Appeal,
    ApplicationDocument,
    ArticleImage,
    Attachment,
    Category,
    Proposal,
    ServiceApplication,
)
from tests.appeals.test_views import filing
from tests.eservices.test_views import fields
from tests.factories import (
    PASSWORD,
    PDF,
    PNG,
    Upload,
    create_reference_data,
    create_service,
    create_tags,
    create_user,
    image_bytes,
)
from tests.news.test_views import article_form
from tests.snapshots import replayed

# What the test photos carry, in any of their metadata blocks; none of it may come back.
SECRETS = (b"SecretCam", b"SN-4711", b"GPS", b"xmpmeta", b"Exif\x00\x00", b"eXIf", b"iCCP", b"40.375")


@pytest.fixture
def world(app):
    """Gəncə with a resident, an official, a head, an editor and a service.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("kit uploads privacy: world", _build_world)


def _build_world():
    districts = create_reference_data()
    gnc = districts["GNC"]
    create_service([gnc])
    create_tags()
    create_user("citizen@example.az", full_name="Aygün Həsənova").district_id = gnc.id
    create_user("official@example.az", roles=[("official", gnc)])
    create_user("head@example.az", roles=[("head", gnc)])
    create_user("editor@example.az", roles=[("editor", gnc)])
    db.session.commit()
    category = db.session.scalars(select(Category).order_by(Category.id)).first()
    return {"gnc": gnc.id, "category": category.id}


def jpeg(name: str = "photo.jpg"):
    return io.BytesIO(image_bytes(640, 480)), name


def png(name: str = "scan.png"):
    return io.BytesIO(image_bytes(640, 480, "PNG")), name


def assert_clean(data: bytes) -> None:
    """A picture with its pixels and nothing else: no EXIF (GPS, camera), XMP, comment, text or colour profile."""
    leaked = [secret for secret in SECRETS if secret in data]
    assert not leaked, leaked
    with Image.open(io.BytesIO(data)) as picture:
        picture.load()
        assert not picture.getexif() and not picture.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        kept = set(picture.info) - {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "adobe",
                                    "adobe_transform", "progressive", "progression", "transparency"}
        assert not kept, kept


def sign_in(web, client, email: str) -> None:
    web.login(email, PASSWORD)
    client.get("/?lang=en")


def sign_out(web) -> None:
    web.post("/auth/logout", {}, form_url="/cabinet/")


def test_item3_every_appeal_form_keeps_no_location_in_what_it_serves(app, web, client, world):
    """Filing, the officials' message and internal note, the applicant's reply and message: each picture is served
    back (to the applicant and to the officials) without EXIF, and a PDF exactly as sent."""
    sign_in(web, client, "citizen@example.az")
    data = filing(world, attachments=[jpeg(), png(), (io.BytesIO(PDF), "letter.pdf")])
    assert web.post("/appeals/new", data, form_url="/appeals/new", content_type="multipart/form-data").status_code == 302
    with app.app_context():
        appeal_id = db.session.scalar(select(Appeal.id))
    sign_out(web)

    sign_in(web, client, "head@example.az")
    office = f"/office/appeals/{appeal_id}"
    for step, form in [("register", {"register-department_id": ""}), ("start", {"start-submit": "1"}),
                       ("message", {"message-note": "Şəkilə baxın.", "message-attachments": [jpeg("answer.jpg")]}),
                       ("note", {"note-note": "Yerində çəkdim.", "note-attachments": [png("site.png")]}),
                       ("request-info", {"info-note": "Ünvanı dəqiqləşdirin."})]:
        response = web.post(f"{office}/{step}", form, form_url=office, content_type="multipart/form-data")
        assert response.status_code == 302, step
    sign_out(web)

    sign_in(web, client, "citizen@example.az")
    mine = f"/cabinet/appeals/{appeal_id}"
    assert web.post(f"{mine}/reply", {"reply-note": "Nizami küç. 5.", "reply-attachments": [jpeg("door.jpg")]},
                    form_url=mine, content_type="multipart/form-data").status_code == 302
    assert web.post(f"{mine}/message", {"message-note": "Daha bir şəkil.", "message-attachments": [png("yard.png")]},
                    form_url=mine, content_type="multipart/form-data").status_code == 302
    with app.app_context():
        stored = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
        kept = [(a.id, a.original_name, a.content_type, a.internal, a.size, a.sha256) for a in stored]
    assert [name for _id, name, *_rest in kept] == [
        "photo.jpg", "scan.png", "letter.pdf", "answer.jpg", "site.png", "door.jpg", "yard.png"]
    for attachment_id, name, content_type, internal, size, sha256 in kept:
        if internal:
            continue
        served = client.get(f"{mine}/files/{attachment_id}")
        assert served.status_code == 200, name
        # What is recorded is what is kept: the size and checksum of the stripped bytes.
        assert (len(served.data), hashlib.sha256(served.data).hexdigest()) == (size, sha256), name
        if content_type == "application/pdf":
            assert served.data == PDF
        else:
            assert_clean(served.data)
    sign_out(web)

    sign_in(web, client, "official@example.az")
    for attachment_id, name, content_type, _internal, _size, _sha256 in kept:
        served = client.get(f"{office}/files/{attachment_id}")
        assert served.status_code == 200, name
        if content_type != "application/pdf":
            assert_clean(served.data)


def test_item3_every_service_form_keeps_no_location_in_what_it_serves(app, web, client, world):
    """Applying online, the front desk, and documents sent again on request."""
    sign_in(web, client, "citizen@example.az")
    url = "/services/residence-certificate/apply"
    assert web.post(url, fields(world, **{"f-passport": jpeg("passport.jpg")}), form_url=url,
                    content_type="multipart/form-data").status_code == 302
    sign_out(web)

    sign_in(web, client, "official@example.az")
    desk = "/office/services/front-desk/residence-certificate"
    data = fields(world, email="citizen@example.az", submission_token="desk-1", **{"f-passport": png("card.png")})
    assert web.post(desk, data, form_url=desk, content_type="multipart/form-data").status_code == 302
    with app.app_context():
        online = db.session.scalar(select(ServiceApplication.id).order_by(ServiceApplication.id))
    office = f"/office/services/{online}"
    assert web.post(f"{office}/review", {"review-submit": "1"}, form_url=office).status_code == 302
    assert web.post(f"{office}/request", {"request-note": "Doğum şəhadətnaməsi"}, form_url=office).status_code == 302
    sign_out(web)

    sign_in(web, client, "citizen@example.az")
    mine = f"/cabinet/services/{online}"
    assert web.post(f"{mine}/resubmit", {"resubmit-documents": [jpeg("birth.jpg"), png("birth-2.png")],
                                         "resubmit-note": "Əlavə edildi"},
                    form_url=mine, content_type="multipart/form-data").status_code == 302
    with app.app_context():
        documents = [(d.application_id, d.id, d.original_name, d.size, d.sha256)
                     for d in db.session.scalars(select(ApplicationDocument).order_by(ApplicationDocument.id))]
    assert [d[2] for d in documents] == ["passport.jpg", "card.png", "birth.jpg", "birth-2.png"]
    for application_id, document_id, name, size, sha256 in documents:
        served = client.get(f"/cabinet/services/{application_id}/documents/{document_id}")
        assert served.status_code == 200, name
        assert (len(served.data), hashlib.sha256(served.data).hexdigest()) == (size, sha256), name
        assert_clean(served.data)
    sign_out(web)

    sign_in(web, client, "official@example.az")
    for application_id, document_id, name, *_rest in documents:
        served = client.get(f"/office/services/{application_id}/documents/{document_id}")
        assert served.status_code == 200, name
        assert_clean(served.data)


def test_item3_a_proposals_picture_keeps_no_location(app, web, client, world):
    """The proposal's picture is public: the defect the penetration test found (served byte for byte)."""
    sign_in(web, client, "citizen@example.az")
    made = web.post("/proposals/new", {
        "district_id": world["gnc"], "category_id": world["category"], "title": "Küçədə skamyalar",
        "body": "Dayanacaqlarda skamya qoyulsun.", "image": jpeg("bench.jpg"),
    }, form_url="/proposals/new", content_type="multipart/form-data")
    assert made.status_code == 302
    with app.app_context():
        proposal_id = db.session.scalar(select(Proposal.id))
    draft = client.get(f"/proposals/{proposal_id}/image")
    assert draft.status_code == 200
    assert_clean(draft.data)
    edit = f"/cabinet/proposals/{proposal_id}/edit"
    published = web.post(edit, {
        "district_id": world["gnc"], "category_id": world["category"], "title": "Küçədə skamyalar",
        "body": "Dayanacaqlarda skamya qoyulsun.", "image": png("bench.png"), "publish": "1",
    }, form_url=edit, content_type="multipart/form-data")
    assert published.status_code == 302
    sign_out(web)
    picture = client.get(f"/proposals/{proposal_id}/image")
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    assert_clean(picture.data)


def test_item3_a_news_cover_keeps_no_location_not_even_the_comment(app, web, client, world):
    """Covers were re-encoded already, but a JPEG comment (Pillow carries it over) still named the place."""
    sign_in(web, client, "editor@example.az")
    data = article_form(district=str(world["gnc"]), cover=(io.BytesIO(image_bytes(1000, 600)), "park.jpg"))
    assert web.post("/office/news/new", data, form_url="/office/news/new",
                    content_type="multipart/form-data").status_code == 302
    with app.app_context():
        image = db.session.scalar(select(ArticleImage))
        urls = [f"/news/images/{image.id}/{width}.jpg" for width in image.width_list]
    assert urls
    for url in urls:
        served = client.get(url)
        assert served.status_code == 200, url
        assert_clean(served.data)


def test_item3_the_data_download_carries_no_location(app, web, client, world):
    sign_in(web, client, "citizen@example.az")
    data = filing(world, attachments=[jpeg(), png()])
    assert web.post("/appeals/new", data, form_url="/appeals/new", content_type="multipart/form-data").status_code == 302
    response = web.post("/cabinet/data/download", {"download-submit": "1"}, form_url="/cabinet/data")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    pictures = [name for name in archive.namelist() if name.lower().endswith((".jpg", ".png"))]
    assert len(pictures) == 2
    for name in pictures:
        assert_clean(archive.read(name))


def test_item3_every_stored_picture_is_clean(app, web, client, world):
    """Whatever the form, the storage itself holds no picture with metadata (the sweep behind the pages)."""
    sign_in(web, client, "citizen@example.az")
    data = filing(world, attachments=[jpeg(), png()])
    assert web.post("/appeals/new", data, form_url="/appeals/new", content_type="multipart/form-data").status_code == 302
    with app.app_context():
        names = list(db.session.scalars(select(Attachment.stored_name)))
        assert len(names) == 2
        for name in names:
            assert_clean(storage.current().open(name).read_all())


# --- What re-encoding keeps and refuses --------------------------------------------------------------------------


def _turned_photo() -> bytes:
    """A 600×400 JPEG whose EXIF says "turn 90° clockwise to show" (Orientation 6), as phones write them."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "SecretCam"
    out = io.BytesIO()
    Image.new("RGB", (600, 400), (10, 200, 10)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_item3_a_turned_photo_stays_upright_without_its_tag(app):
    with app.test_request_context():
        (checked,) = files.check_uploads([Upload("phone.jpg", _turned_photo())])
    assert checked.content_type == "image/jpeg"
    assert_clean(checked.data)
    with Image.open(io.BytesIO(checked.data)) as picture:
        assert picture.size == (400, 600)


def test_item3_pdfs_and_clean_pngs_are_kept_as_they_came(app):
    with app.test_request_context():
        pdf, plain = files.check_uploads([Upload("letter.pdf", PDF), Upload("plain.png", PNG)])
        assert pdf.open().read() == PDF and pdf.sha256 == hashlib.sha256(PDF).hexdigest()
        # A PNG without metadata, written as Pillow writes it, comes out byte for byte: pixels lose nothing.
        assert plain.data == PNG


def test_item3_a_transparent_png_keeps_its_transparency(app):
    out = io.BytesIO()
    Image.new("RGBA", (50, 50), (255, 0, 0, 0)).save(out, "PNG", exif=Image.Exif().tobytes())
    with app.test_request_context():
        (checked,) = files.check_uploads([Upload("logo.png", out.getvalue())])
    with Image.open(io.BytesIO(checked.data)) as picture:
        assert picture.mode == "RGBA" and picture.getpixel((0, 0)) == (255, 0, 0, 0)


@pytest.mark.parametrize("data", [
    b"\xff\xd8\xff" + b"\x00" * 200,  # looks like a JPEG, is not one
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,  # looks like a PNG, is not one
    image_bytes(200, 200)[:300],  # a photo cut short
])
def test_item3_a_picture_that_cannot_be_read_is_refused_beside_its_field(app, web, client, world, data):
    """Re-encoding needs the pixels: a file that only looks like a picture is a clear message, never a 500, and
    nothing is kept."""
    sign_in(web, client, "citizen@example.az")
    form = filing(world, attachments=[(io.BytesIO(data), "broken.jpg")])
    response = web.post("/appeals/new", form, form_url="/appeals/new", content_type="multipart/form-data")
    assert response.status_code == 422
    assert "broken.jpg is not a JPEG or PNG picture that can be read" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Appeal.id)) is None and db.session.scalar(select(Attachment.id)) is None
    with app.test_request_context(), pytest.raises(Invalid) as refused:
        files.check_uploads([Upload("broken.jpg", data)], field="image")
    assert list(refused.value.errors) == ["image"]


def test_item3_pictures_stored_before_the_fix_are_cleaned_by_a_resumable_command(app, runner, web, client, world):
    """Pictures stored before uploads were cleaned keep their GPS until ``flask proposals clean-pictures`` runs."""
    sign_in(web, client, "citizen@example.az")
    made = web.post("/proposals/new", {
        "district_id": world["gnc"], "category_id": world["category"], "title": "Küçədə skamyalar",
        "body": "Dayanacaqlarda skamya qoyulsun.", "image": jpeg("bench.jpg"),
    }, form_url="/proposals/new", content_type="multipart/form-data")
    assert made.status_code == 302
    raw = image_bytes()
    with app.app_context():
        proposal = db.session.scalar(select(Proposal))
        # As the portal stored pictures before the fix: the bytes as they came, GPS and camera included.
        storage.current().put("old-picture", raw, "image/jpeg")
        proposal.image_name, proposal.image_type = "old-picture", "image/jpeg"
        db.session.commit()
        proposal_id = proposal.id
    assert client.get(f"/proposals/{proposal_id}/image").data == raw
    first = runner.invoke(args=["proposals", "clean-pictures"])
    assert first.exit_code == 0 and "Cleaned 1 proposal pictures" in first.output, first.output
    assert_clean(client.get(f"/proposals/{proposal_id}/image").data)
    with app.app_context():
        assert not storage.current().exists("old-picture")
    again = runner.invoke(args=["proposals", "clean-pictures"])
    assert again.exit_code == 0 and "Cleaned 0 proposal pictures" in again.output
