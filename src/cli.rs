//! The command line: serve, and the operators' `org` and `user` commands.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;

use crate::config::{self, AuditCommand, Command, DevCommand, Options, OrgCommand, UserCommand};
use crate::db::{self, audit::Actor, orgs, users};
use crate::domain::{text, CreditCode, Email, OrgKind, Password, Role};

pub fn main() -> ExitCode {
    let cli = config::parse();
    crate::logs::init(cli.options.obs.log_format);
    let result = match cli.command {
        None | Some(Command::Serve) => serve(cli.options),
        Some(Command::Org(c)) => org(&cli.options, c),
        Some(Command::User(c)) => user(&cli.options, c),
        Some(Command::Dev(DevCommand::GenData(args))) => crate::demo::gen::run(&cli.options, &args),
        Some(Command::Migrate) => crate::ops::migrate(&cli.options),
        Some(Command::Backup { to }) => crate::ops::backup::run(&cli.options, &to),
        Some(Command::Check) => crate::ops::check::run(&cli.options),
        Some(Command::Audit(AuditCommand::Verify)) => crate::ops::audit_verify(&cli.options),
        Some(Command::Token(c)) => token(&cli.options, c),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("selfreg: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Password hashing allocates 19 MiB per hash (argon2, m = 19456 KiB) on the
/// blocking threads. With glibc's adaptive threshold those blocks end up in
/// per-thread heaps and stay resident, so a login flood would grow memory
/// without bound. A fixed threshold serves them with mmap and returns them to
/// the system as soon as each hash is done.
fn bound_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes an allocator setting; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

fn serve(opts: Options) -> anyhow::Result<()> {
    bound_allocator();
    actix_web::rt::System::new().block_on(async move {
        let app = crate::startup::Application::build(&opts).await?;
        let host = if opts.bind.ip().is_unspecified() { "127.0.0.1".to_owned() } else { opts.bind.ip().to_string() };
        println!("selfreg serving on http://{host}:{}", app.port());
        if !opts.no_demo {
            println!("demo mode: sign in with any of these accounts, password `selfreg-demo`:");
            for a in crate::demo::ACCOUNTS {
                println!("  {a}");
            }
            if !app.demo_loaded {
                println!("(the database already had data; demo data was not loaded again)");
            }
        }
        app.run_until_stopped().await?;
        println!("selfreg stopped");
        Ok(())
    })
}

fn connect(opts: &Options) -> anyhow::Result<db::PooledConn> {
    let pool = db::connect(&opts.database_url, 1)?;
    Ok(db::get(&pool)?)
}

fn org(opts: &Options, cmd: OrgCommand) -> anyhow::Result<()> {
    let mut conn = connect(opts)?;
    match cmd {
        OrgCommand::Add { kind, name_zh, name_en, credit_code, website, contact } => {
            let kind = OrgKind::parse(&kind).map_err(|_| {
                anyhow::anyhow!("--kind must be one of association, platform, agency, regulator, other")
            })?;
            let code = CreditCode::parse(&credit_code)
                .map_err(|e| anyhow::anyhow!("--credit-code: {}", crate::i18n::Lang::En.t(e.message_key())))?;
            let name_zh = text::bounded(&name_zh, true, 200)
                .map_err(|_| anyhow::anyhow!("--name-zh is required (at most 200 characters)"))?;
            let name_en = text::bounded(&name_en, true, 200)
                .map_err(|_| anyhow::anyhow!("--name-en is required (at most 200 characters)"))?;
            let website = text::url(&website).map_err(|_| anyhow::anyhow!("--website must be an http(s) address"))?;
            let contact = text::bounded(&contact, false, 500).map_err(|_| anyhow::anyhow!("--contact is too long"))?;
            let data = orgs::OrgData::new(kind, name_zh, name_en, &code, website, contact);
            let id = db::write(&mut conn, |c| orgs::insert(c, Actor::SYSTEM, &data)).map_err(|e| match e {
                db::Fail::Refused(orgs::OrgRefusal::DuplicateCode) => {
                    anyhow::anyhow!("an organization with credit code {code} already exists")
                }
                e => anyhow::Error::new(e),
            })?;
            println!("organization {id} created: {}", data.name_zh);
        }
        OrgCommand::List => {
            for o in orgs::all(&mut conn)? {
                println!("{}\t{}\t{}\t{}\t{}", o.id, o.kind.as_str(), o.credit_code, o.name_zh, o.name_en);
            }
        }
    }
    Ok(())
}

fn user(opts: &Options, cmd: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Add { email, name, org, role } = cmd;
    let email = Email::parse(&email).map_err(|_| anyhow::anyhow!("--email is not a valid e-mail address"))?;
    let role =
        Role::parse(&role).map_err(|_| anyhow::anyhow!("--role must be one of admin, editor, reviewer, filer"))?;
    let name =
        text::bounded(&name, true, 100).map_err(|_| anyhow::anyhow!("--name is required (at most 100 characters)"))?;
    let mut conn = connect(opts)?;
    let org = match org.parse::<i64>() {
        Ok(id) => orgs::get(&mut conn, id)?,
        Err(_) => orgs::by_credit_code(&mut conn, &org)?,
    }
    .ok_or_else(|| anyhow::anyhow!("--org: no organization with that id or credit code (see `selfreg org list`)"))?;
    eprintln!("password for {email} (from standard input):");
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).context("cannot read the password from standard input")?;
    let input = input.strip_suffix('\n').unwrap_or(&input);
    let input = input.strip_suffix('\r').unwrap_or(input);
    let password = Password::new_for(input, &[email.as_str(), name.as_str()])
        .map_err(|k| anyhow::anyhow!("password: {}", crate::i18n::Lang::En.t(k)))?;
    let hash = crate::auth::password::hash_blocking(password.expose());
    let new =
        users::NewUser { email: &email, display_name: &name, organization_id: org.id, role, password_hash: &hash };
    let id = db::write(&mut conn, |c| users::insert(c, Actor::SYSTEM, &new)).map_err(|e| match e {
        db::Fail::Refused(users::UserRefusal::DuplicateEmail) => {
            anyhow::anyhow!("a user with e-mail {email} already exists")
        }
        e => anyhow::Error::new(e),
    })?;
    println!("user {id} created: {email} ({role}) in {}", org.name_zh);
    Ok(())
}

fn token(opts: &Options, cmd: config::TokenCommand) -> anyhow::Result<()> {
    use crate::domain::token::{check_name, Scope};
    let config::TokenCommand::Add { user, scopes, name, expires_days } = cmd;
    let scopes = scopes
        .iter()
        .flat_map(|s| s.split([',', ' ']))
        .filter(|s| !s.is_empty())
        .map(|s| Scope::parse(s).ok_or_else(|| anyhow::anyhow!("--scope must be reports:read or reports:write")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if let Some(key) = check_name(&name) {
        anyhow::bail!("--name: {}", crate::i18n::Lang::En.t(key));
    }
    let mut conn = connect(opts)?;
    let u = users::by_email(&mut conn, user.trim())?
        .filter(|u| u.active)
        .ok_or_else(|| anyhow::anyhow!("--user: no active user with that e-mail address"))?;
    let expires_at = expires_days.map(|d| db::now() + chrono::Duration::days(d.into()));
    let s = crate::auth::token::new_secret();
    let new = db::api_tokens::NewToken {
        user_id: u.id,
        name: &name,
        hash: &s.hash,
        prefix: &s.prefix,
        scopes: &scopes,
        expires_at,
    };
    let id = db::write(&mut conn, |c| db::api_tokens::create(c, Actor::SYSTEM, &new))?;
    eprintln!("token {id} created for {} ({}); it is shown only this once:", u.email, name.trim());
    println!("{}", s.secret);
    Ok(())
}
