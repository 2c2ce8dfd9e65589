//! The binary itself: options, operator commands, shutdown.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::*;

fn selfreg() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_selfreg"));
    c.env_remove("DATABASE_URL").env_remove("SELFREG_BIND");
    c
}

#[test]
fn invalid_options_stop_with_one_line_naming_the_option() {
    for (args, name) in [
        (vec!["--bind", "nowhere"], "--bind"),
        (vec!["--database-url", "mysql://x/y"], "--database-url"),
        (vec!["--session-idle-minutes", "0"], "--session-idle-minutes"),
    ] {
        let out = selfreg().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(name), "{err}");
    }
    let out = selfreg().env("SELFREG_BIND", "bad").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("--bind"));
    let help = selfreg().arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    for opt in ["--bind", "SELFREG_BIND", "--database-url", "DATABASE_URL", "--no-demo", "--secure-cookies"] {
        assert!(help.contains(opt), "help documents {opt}");
    }
}

#[tokio::test]
async fn operators_create_the_first_admin_from_the_shell() {
    let (target, cleanup) = fresh_database();
    let url = match &target {
        selfreg::db::DbTarget::Sqlite(p) => p.clone(),
        selfreg::db::DbTarget::Postgres(u) => u.clone(),
    };
    let out = selfreg()
        .args([
            "--database-url",
            &url,
            "org",
            "add",
            "--kind",
            "regulator",
            "--name-zh",
            "某市市场监督管理局",
            "--name-en",
            "City AMR",
            "--credit-code",
            "91310000MA1FL1MMX1",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a wrong credit code is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("check character"));
    let out = selfreg()
        .args([
            "--database-url",
            &url,
            "org",
            "add",
            "--kind",
            "regulator",
            "--name-zh",
            "某市市场监督管理局",
            "--name-en",
            "City AMR",
            "--credit-code",
            "91310000MA1FL1MMXL",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let mut child = selfreg()
        .args([
            "--database-url",
            &url,
            "user",
            "add",
            "--email",
            "ops@example.gov",
            "--name",
            "运维",
            "--org",
            "91310000MA1FL1MMXL",
            "--role",
            "admin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"first admin password\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let mut opts = options(target);
    opts.no_demo = true;
    let app = spawn_with(opts, cleanup).await;
    assert_eq!(app.count("organizations"), 1, "no demo data with --no-demo");
    let (_, login) = app.get_html("/login").await;
    assert!(!login.contains("selfreg-demo"), "demo accounts are listed only in demo mode");
    let r = app.login_as("ops@example.gov", "first admin password").await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    assert_eq!(app.get("/admin/users").await.status(), reqwest::StatusCode::OK);
}

#[test]
fn sigterm_lets_the_server_exit_cleanly() {
    let dir = std::env::temp_dir().join(format!("selfreg-sig-{}", selfreg::auth::random_hex(4)));
    std::fs::create_dir_all(&dir).unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = selfreg()
        .current_dir(&dir)
        .args(["--bind", &format!("127.0.0.1:{port}"), "--no-demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    // Wait for an HTTP answer, not just an open port: the listener is bound a
    // moment before the server runs and handles signals.
    let answers = || -> bool {
        use std::io::Read;
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
        let mut buf = String::new();
        s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n").is_ok()
            && s.read_to_string(&mut buf).is_ok()
            && buf.starts_with("HTTP/1.")
            && buf.contains(" 200 ")
    };
    while !answers() {
        assert!(started.elapsed().as_secs() < 20, "server did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(dir.join("selfreg.db").exists(), "SQLite file created in the working directory");
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let code = child.wait().unwrap();
    assert_eq!(code.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}
