//! Uploads cannot hang or hold memory, and carry their CSRF token in the body:
//! the size is bounded (up front by Content-Length), a stalled body is
//! answered 408, rights, token and version are checked before any file is
//! read, and only a few uploads are read at a time (503 beyond).

use std::time::Duration;

use reqwest::multipart::{Form as Multipart, Part};
use reqwest::StatusCode;

use super::*;

/// A signed-in client and its session cookie (`selfreg_session=…`) for raw requests.
async fn session(app: &TestApp, email: &str) -> (TestApp, String) {
    let c = app.other_client();
    let r = c.login_as(email, DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("selfreg_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    (c, cookie)
}

const BOUNDARY: &str = "----selfregtestboundary";

fn text_part(name: &str, value: &str) -> Vec<u8> {
    format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").into_bytes()
}

fn file_head(name: &str, filename: &str) -> Vec<u8> {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes()
}

/// Send a request head declaring `length` bytes and then `body` (perhaps
/// fewer bytes, perhaps without the closing boundary) on a raw connection
/// that stays open, and return the status the server answers with.
async fn raw_post(app: &TestApp, path: &str, cookie: &str, length: usize, body: Vec<u8>) -> u16 {
    let host = app.addr.trim_start_matches("http://").to_owned();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {length}\r\n\r\n"
    );
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&host).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        s.write_all(head.as_bytes()).unwrap();
        // The server may answer (and close) before it wants the body.
        let _ = s.write_all(&body);
        let mut answer = Vec::new();
        let mut buf = [0u8; 1024];
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
        let line = String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_owned();
        line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
    })
    .await
    .unwrap()
}

/// The token, version and first entry of a report's edit form.
async fn form_of(c: &TestApp, rid: i64) -> (String, String, String) {
    let (_, html) = c.get_html(&format!("/reports/{rid}/edit")).await;
    (csrf_in(&html), field_value(&html, "version").unwrap(), entry_ids(&html)[0].clone())
}

#[tokio::test]
async fn upload_forms_carry_the_token_as_the_first_part_never_in_the_url() {
    let app = spawn_app().await;
    let filer = signed_in(&app, "filer@example.org").await;
    let rid = open_report(&filer, period_id(&app, "第三期（本期）")).await;
    let (_, edit) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    assert!(!edit.contains("csrf_token="), "no token in any URL of the page");
    let form = &edit[edit.find("action=\"/reports/").unwrap()..];
    let first = &form[form.find("name=\"").unwrap()..];
    assert!(first.starts_with("name=\"csrf_token\""), "the token is the form's first field");
    let editor = signed_in(&app, "editor@example.org").await;
    let sid: i64 = {
        use diesel::prelude::*;
        use selfreg::db::schema::standards::dsl::*;
        standards
            .filter(state.eq_any(["approved", "drafting", "submitted_for_approval"]))
            .select(id)
            .first(&mut *app.conn())
            .unwrap()
    };
    let (status, page) = editor.get_html(&format!("/standards/{sid}/versions/new")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("csrf_token="), "nor on the standard's version form");

    let (token, version, e) = form_of(&filer, rid).await;
    let measures = format!("e_{e}_measures");
    let send = |url: String, form: Multipart| {
        let filer = &filer;
        async move { filer.client.post(filer.url(&url)).multipart(form).send().await.unwrap().status() }
    };
    let save = format!("/reports/{rid}/save");
    // The token in the query string, as the old forms had it: refused.
    let form = Multipart::new().text("version", version.clone()).text(measures.clone(), "经由网址的令牌");
    assert_eq!(send(format!("{save}?csrf_token={token}"), form).await, StatusCode::FORBIDDEN);
    // The token, but not first: refused before anything else is read.
    let form =
        Multipart::new().text("version", version.clone()).text("csrf_token", token.clone()).text(measures.clone(), "x");
    assert_eq!(send(save.clone(), form).await, StatusCode::FORBIDDEN);
    // A wrong token.
    let form = Multipart::new().text("csrf_token", "0".repeat(64)).text("version", version.clone());
    assert_eq!(send(save.clone(), form).await, StatusCode::FORBIDDEN);
    // Only the upload routes read the token from a multipart body.
    let form = Multipart::new().text("csrf_token", token.clone()).text("version", version.clone());
    assert_eq!(send(format!("/reports/{rid}/decision"), form).await, StatusCode::FORBIDDEN);
    assert_eq!(field_value(&filer.get_html(&format!("/reports/{rid}/edit")).await.1, "version"), Some(version.clone()));
    // The right token first: saved.
    let form = Multipart::new().text("csrf_token", token).text("version", version).text(measures, "正文中的令牌");
    assert_eq!(send(save, form).await, StatusCode::SEE_OTHER);
    assert!(filer.get_html(&format!("/reports/{rid}/edit")).await.1.contains("正文中的令牌"));
}

#[tokio::test]
async fn oversized_uploads_are_refused_before_they_are_read_and_big_files_lose_no_text() {
    let app = spawn_app().await;
    let (filer, cookie) = session(&app, "filer@example.org").await;
    let rid = open_report(&filer, period_id(&app, "第三期（本期）")).await;
    // A declared length over the limit: 413 at once, nothing of the body read.
    let status = raw_post(&app, &format!("/reports/{rid}/save"), &cookie, 100 * 1024 * 1024, Vec::new()).await;
    assert_eq!(status, 413);
    // A file over 20 MiB (the request under the total): refused beside its
    // field, the text typed with it kept, nothing saved.
    let (_, _, e) = form_of(&filer, rid).await;
    let big = [b"%PDF-1.4".as_slice(), &vec![b' '; 21 * 1024 * 1024]].concat();
    let typed = vec![(format!("e_{e}_measures"), "附件过大时的措施说明".to_owned())];
    let r = post_upload(&filer, rid, &format!("upload:{e}"), &typed, vec![(&e, "big.pdf", big)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("文件“big.pdf”超过 20 MiB，未上传。"), "said at the file field");
    assert!(html.contains(&format!("href=\"#f-e_{e}_files\"")), "and in the summary");
    assert!(html.contains("附件过大时的措施说明") && html.contains("所选文件未上传，请重新选择。"));
    // Files checked by content; the good ones go with the draft.
    let r = post_upload(&filer, rid, "save", &[], vec![(&e, "fake.pdf", b"MZ\x90\x00 an executable".to_vec())]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("文件“fake.pdf”不是 PDF、PNG、JPEG 或 XLSX 文件"));
    assert_eq!(evidence_count(&app, "report_entry"), 0);
    let files = vec![
        (e.as_str(), "chart.png", b"\x89PNG\r\n\x1a\n....".to_vec()),
        (&e, "photo.jpg", b"\xFF\xD8\xFF\xE0..".to_vec()),
    ];
    assert_eq!(post_upload(&filer, rid, "save", &[], files).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(evidence_count(&app, "report_entry"), 2);
}

#[tokio::test]
async fn a_body_without_its_closing_boundary_gets_an_answer() {
    let app = spawn_app().await;
    let (filer, cookie) = session(&app, "filer@example.org").await;
    let rid = open_report(&filer, period_id(&app, "第三期（本期）")).await;
    let (token, version, e) = form_of(&filer, rid).await;
    let mut body = text_part("csrf_token", &token);
    body.extend(text_part("version", &version));
    body.extend(file_head(&format!("e_{e}_files"), "a.pdf"));
    body.extend(b"%PDF-1.4 and then nothing more");
    let path = format!("/reports/{rid}/save");
    // All the declared bytes, but no closing boundary: refused, not left hanging.
    assert_eq!(raw_post(&app, &path, &cookie, body.len(), body.clone()).await, 400);
    // Fewer bytes than declared, the connection left open: 408 once it stalls.
    assert_eq!(raw_post(&app, &path, &cookie, body.len() + 1000, body).await, 408);
    assert_eq!(evidence_count(&app, "report_entry"), 0);
    assert_eq!(form_of(&filer, rid).await.1, version, "nothing saved");
}

#[tokio::test]
async fn a_stale_form_keeps_no_file_but_everything_typed() {
    let app = spawn_app().await;
    let filer = signed_in(&app, "filer@example.org").await;
    let rid = open_report(&filer, period_id(&app, "第三期（本期）")).await;
    let (token, stale, e) = form_of(&filer, rid).await;
    // Another tab saves meanwhile.
    assert_eq!(post_upload(&filer, rid, "save", &[], vec![]).await.status(), StatusCode::SEE_OTHER);
    let form = Multipart::new()
        .text("csrf_token", token)
        .text("version", stale)
        .text(format!("e_{e}_measures"), "旧窗口里写的措施")
        .part(format!("e_{e}_files"), Part::bytes(b"%PDF-1.4 stale".to_vec()).file_name("stale.pdf"))
        .text("action", format!("upload:{e}"));
    let r = filer.client.post(filer.url(&format!("/reports/{rid}/save"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(html.contains("旧窗口里写的措施"), "the text typed in the stale tab comes back");
    assert!(html.contains("所选文件未上传，请重新选择。"));
    assert_eq!(evidence_count(&app, "report_entry"), 0, "the stale form's file was never kept");
}

#[tokio::test]
async fn only_a_few_uploads_are_read_at_once() {
    let app = spawn_app().await;
    let (filer, cookie) = session(&app, "filer@example.org").await;
    let rid = open_report(&filer, period_id(&app, "第三期（本期）")).await;
    let path = format!("/reports/{rid}/save");
    // Four uploads that send their head and then nothing hold the four slots…
    let stalled: Vec<_> = (0..selfreg::web::files::UPLOAD_SLOTS)
        .map(|_| {
            let (app, path, cookie) = (app.other_client(), path.clone(), cookie.clone());
            tokio::spawn(async move { raw_post(&app, &path, &cookie, 1000, Vec::new()).await })
        })
        .collect();
    // …so another one is turned away quickly with 503 (asked again until the
    // four have arrived; each try is a wrong token, refused if it gets a slot).
    let mut busy = false;
    for _ in 0..50 {
        let form = Multipart::new().text("csrf_token", "0".repeat(64));
        let r = filer.client.post(filer.url(&path)).multipart(form).send().await.unwrap();
        if r.status() == StatusCode::SERVICE_UNAVAILABLE {
            assert!(r.headers().contains_key("retry-after"));
            busy = true;
            break;
        }
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(busy, "a fifth upload was read while four were in progress");
    for s in stalled {
        assert_eq!(s.await.unwrap(), 408, "a stalled upload ends");
    }
    // The slots are free again.
    assert_eq!(post_upload(&filer, rid, "save", &[], vec![]).await.status(), StatusCode::SEE_OTHER);
}
