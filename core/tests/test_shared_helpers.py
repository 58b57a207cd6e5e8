"""The helpers every domain app shares: rich text, attachments, PDF documents, periodic jobs."""

import io
from datetime import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import RequestFactory
from django_tasks import task

from core import pdf, periodic
from core.forms import RichTextField
from core.richtext import plain_text, sanitise
from core.uploads import serve_file, strip_image_metadata, validate_upload

# --- rich text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>会议<script>alert(1)</script></p>", "<p>会议</p>"),
        ('<p onclick="steal()">议题</p>', "<p>议题</p>"),
        ('<a href="javascript:alert(1)">链接</a>', '<a rel="noopener noreferrer">链接</a>'),
        ('<iframe src="https://x"></iframe><p>正文</p>', "<p>正文</p>"),
        ('<p style="color:red">正文</p>', "<p>正文</p>"),
        ("<table><tr><td colspan=2>表</td></tr></table>", None),
    ],
)
def test_rich_text_keeps_only_the_allowlist(dirty, clean):
    result = sanitise(dirty)
    if clean is not None:
        assert result == clean
    assert "script" not in result and "onclick" not in result and "style" not in result


def test_a_rich_text_field_cleans_what_the_form_receives():
    assert RichTextField().clean("<b>决议</b><img src=x onerror=alert(1)>") == "<b>决议</b>"
    assert plain_text("<p>一 &lt; 二 <b>三</b></p>") == "一 < 二 三"


# --- attachments -----------------------------------------------------------------------------

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"


def _docx() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _jpeg_with_gps() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (8, 8), "red")
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x8825] = {1: "N", 2: (27.0, 49.0, 0.0)}  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "kinds", "kind"),
    [
        ("会议记录.pdf", PDF, {"pdf"}, "pdf"),
        ("方案.docx", _docx(), {"office"}, "office"),
        ("照片.JPG", _jpeg_with_gps(), {"image", "pdf"}, "image"),
    ],
)
def test_an_upload_is_accepted_by_its_content(name, content, kinds, kind):
    assert (
        validate_upload(
            SimpleUploadedFile(name, content), kinds=kinds, max_mb=1, field_label="附件"
        )
        == kind
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("病毒.exe", b"MZ\x90\x00", "不接受"),
        ("改名.pdf", b"MZ\x90\x00 not a pdf", "内容与扩展名不符"),
        ("压缩包.docx", b"PK\x03\x04" + b"\x00" * 40, "内容与扩展名不符"),
        ("空.pdf", b"", "是空的"),
        ("大.pdf", PDF + b"0" * (1024 * 1024), "超过 1 MB"),
        ("无扩展名", PDF, "不接受"),
    ],
)
def test_a_bad_upload_is_refused_naming_the_field_and_file(name, content, message):
    with pytest.raises(ValidationError) as error:
        validate_upload(
            SimpleUploadedFile(name, content), kinds={"pdf", "office"}, max_mb=1, field_label="附件"
        )
    text = error.value.messages[0]
    assert message in text and text.startswith("附件") and (name in text)


def test_image_metadata_is_stripped():
    from PIL import Image

    original = SimpleUploadedFile("现场.jpg", _jpeg_with_gps())
    assert Image.open(io.BytesIO(original.read())).getexif()
    cleaned = strip_image_metadata(original)
    image = Image.open(io.BytesIO(cleaned.read()))
    assert not image.getexif() and image.size == (8, 8)


def test_a_file_that_is_not_an_image_is_refused_when_stripping():
    with pytest.raises(ValidationError):
        strip_image_metadata(SimpleUploadedFile("假.jpg", b"\xff\xd8\xff not really"))


@pytest.fixture
def stored(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    from core.uploads import private_storage

    storage = private_storage()
    name = storage.save("lessons/课.mp4", ContentFile(bytes(range(100))))
    return SimpleNamespace(name=name, storage=storage)  # what a model's FieldFile offers


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("header", "status", "body", "content_range"),
    [
        ("", 200, bytes(range(100)), None),
        ("bytes=0-9", 206, bytes(range(10)), "bytes 0-9/100"),
        ("bytes=90-", 206, bytes(range(90, 100)), "bytes 90-99/100"),
        ("bytes=-5", 206, bytes(range(95, 100)), "bytes 95-99/100"),
        ("bytes=95-200", 206, bytes(range(95, 100)), "bytes 95-99/100"),
        ("bytes=0-1,5-6", 200, bytes(range(100)), None),  # several ranges: the whole file
    ],
)
def test_files_are_served_with_ranges_so_video_can_seek(
    stored, header, status, body, content_range
):
    request = RequestFactory().get("/", **({"HTTP_RANGE": header} if header else {}))
    response = serve_file(request, stored, filename="第一课.mp4", inline=True)
    assert response.status_code == status
    assert _body(response) == body
    assert response.get("Content-Range") == content_range
    assert response["Accept-Ranges"] == "bytes"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"].startswith("inline; filename*=UTF-8''")


def test_an_unsatisfiable_range_is_416(stored):
    response = serve_file(
        RequestFactory().get("/", HTTP_RANGE="bytes=500-600"), stored, filename="a.mp4"
    )
    assert response.status_code == 416 and response["Content-Range"] == "bytes */100"


# --- PDF ---------------------------------------------------------------------------------------


def test_a_pdf_is_rendered_with_chinese_text(rf):
    response = pdf.render_pdf(rf.get("/"), "core/pdf_base.html", {}, filename="会议记录.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"].endswith("%E4%BC%9A%E8%AE%AE%E8%AE%B0%E5%BD%95.pdf")


def test_a_missing_pango_gives_a_clear_page_not_a_500(rf, monkeypatch):
    def missing():
        raise pdf.PdfUnavailable("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(pdf, "_weasyprint", missing)
    request = rf.get("/")
    request.user = type("U", (), {"is_authenticated": False})()
    response = pdf.render_pdf(request, "core/pdf_base.html", {}, filename="x.pdf")
    assert response.status_code == 503
    assert "Pango" in response.content.decode()


# --- periodic jobs -----------------------------------------------------------------------------

RAN: list[str] = []


@task()
def _sample_job() -> None:
    RAN.append(datetime.now().isoformat())


def test_a_periodic_job_is_registered_listed_and_enqueued(monkeypatch, capsys):
    monkeypatch.setattr(periodic, "_JOBS", {})
    periodic.periodic("30 6 * * 1-5", name="sample.job")(_sample_job)
    assert [job.name for job in periodic.jobs()] == ["sample.job"]
    call_command("run_periodic", "--list")
    assert "30 6 * * 1-5" in capsys.readouterr().out
    RAN.clear()
    call_command("run_periodic", "--now", "sample.job")  # tests run tasks immediately
    assert len(RAN) == 1


def test_a_bad_cron_expression_is_refused_at_registration():
    with pytest.raises(ValueError, match="five fields"):
        periodic.periodic("daily")
