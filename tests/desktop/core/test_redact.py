from desktop.core.redact import redact_text, redact_url


def test_url_with_credentials_is_masked():
    assert redact_url("rtsp://admin:Secr3t@10.1.2.3:554/Streaming/Channels/102") == \
        "rtsp://***@10.1.2.3:554/Streaming/Channels/102"


def test_url_without_credentials_is_unchanged():
    url = "rtsp://127.0.0.1:8554/cam01/sub"
    assert redact_url(url) == url


def test_password_with_at_sign_and_user_only():
    assert "p@ss" not in redact_url("rtsp://admin:p%40ss@host/x")
    assert redact_url("rtsp://admin@host/x") == "rtsp://***@host/x"


def test_free_text_from_ffmpeg_is_scrubbed():
    msg = "[Errno 5] Input/output error: 'rtsp://user:pw@camera.local/ch1' and http://a:b@h/x.flv"
    clean = redact_text(msg)
    assert "pw" not in clean and "a:b" not in clean
    assert "rtsp://***@camera.local/ch1" in clean and "http://***@h/x.flv" in clean
