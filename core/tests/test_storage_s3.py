"""FILE_STORAGE=s3 (core/storage.py): a private file uploaded through a real view lands in the
bucket as a private object under private/, and the app serves it back to a reader in scope
only. S3 is moto's in-process mock (no network); skipped where moto is not installed."""

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.storage import PRIVATE, file_storages
from meetings.models import Attachment
from meetings.tests.factories import MeetingFactory

moto = pytest.importorskip("moto")
boto3 = pytest.importorskip("boto3")

pytestmark = pytest.mark.django_db

BUCKET = "dangjian-private-test"
PDF = b"%PDF-1.4\n%s3 test\n"


@pytest.fixture
def s3(settings, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with moto.mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            **file_storages(
                kind="s3",
                bucket=BUCKET,
                region="us-east-1",
                access_key="testing",
                secret_key="testing",
            ),
        }
        # A FileField reads its storage callable once, when the model loads: in a process
        # started with FILE_STORAGE=s3 that is the S3 storage; here it is set to it.
        monkeypatch.setattr(Attachment._meta.get_field("file"), "storage", storages[PRIVATE])
        yield client


def test_a_private_upload_is_a_private_object_served_in_scope_only(client, world, s3):
    storage = storages[PRIVATE]
    assert type(storage).__name__ == "S3Storage"
    meeting = MeetingFactory(organisation=world.branch_a)
    client.force_login(world.users["secretary_a"])
    upload = SimpleUploadedFile("记录.pdf", PDF, content_type="application/pdf")
    response = client.post(reverse("meetings:attachment_add", args=[meeting.pk]), {"file": upload})
    assert response.status_code == 302
    attachment = Attachment.objects.get()

    # In the bucket, under private/, and nobody but the owner is granted anything.
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [f"private/{attachment.file.name}"]
    assert s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read() == PDF
    grants = s3.get_object_acl(Bucket=BUCKET, Key=keys[0])["Grants"]
    assert all("URI" not in g["Grantee"] for g in grants), grants  # no AllUsers / AuthUsers
    # A link the storage hands out is signed and short-lived.
    url = storage.url(attachment.file.name)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url

    # Served by the app to a reader in scope, streamed from the bucket.
    download = reverse("meetings:attachment_download", args=[attachment.pk])
    response = client.get(download)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body == PDF
    assert response["Cache-Control"] == "private, no-store"
    # A byte range, as audio and video players ask.
    response = client.get(download, HTTP_RANGE="bytes=0-3")
    assert response.status_code == 206 and b"".join(response.streaming_content) == b"%PDF"
    # Out of scope: 404, as for any record.
    client.force_login(world.users["secretary_b"])
    assert client.get(download).status_code == 404
