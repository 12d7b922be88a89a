import pytest

from desktop.core.credentials import Credentials, split_credentials, with_credentials
from desktop.core.redact import redact_url


@pytest.mark.parametrize(("typed", "clean", "user", "secret"), [
    ("rtsp://admin:s3cret@10.0.0.5:554/ch1", "rtsp://10.0.0.5:554/ch1", "admin", "s3cret"),
    ("rtsp://admin:Kitchen#2026@10.0.0.5/ch1", "rtsp://10.0.0.5/ch1", "admin", "Kitchen#2026"),  # pasted unescaped
    ("rtsp://admin:a@b@10.0.0.5/ch1", "rtsp://10.0.0.5/ch1", "admin", "a@b"),
    ("rtsp://admin:p%40ss@[fe80::1]:554/ch1", "rtsp://[fe80::1]:554/ch1", "admin", "p@ss"),
    ("rtsp://viewer@cam.local/live", "rtsp://cam.local/live", "viewer", ""),
    ("  rtsp://10.0.0.5/x?token=a@b  ", "rtsp://10.0.0.5/x?token=a@b", "", ""),  # '@' in a query is not userinfo
    ("http://10.0.0.7:8080/live.flv", "http://10.0.0.7:8080/live.flv", "", ""),
])
def test_split_then_join_round_trips(typed, clean, user, secret):
    url, creds = split_credentials(typed)
    assert (url, creds.username, creds.secret) == (clean, user, secret)
    assert secret not in redact_url(typed) or not secret
    if creds:
        assert split_credentials(with_credentials(url, creds)) == (url, creds)


def test_secret_is_never_in_repr():
    assert "s3cret" not in repr(Credentials("admin", "s3cret"))
    assert with_credentials("rtsp://h/x", Credentials()) == "rtsp://h/x"
