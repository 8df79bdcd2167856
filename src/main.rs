use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use hearth::config::Config;
use hearth::{db, demo, platform, AppState};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "hearth", version, about = "Hearth hospital management system")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and APIs (migrates first unless --no-migrate).
    Serve {
        #[arg(long)]
        no_migrate: bool,
    },
    /// Migrate, seed the demo hospital network (idempotent) and serve.
    Demo,
    /// Apply pending migrations and exit.
    Migrate,
    /// Create a super admin; password from HEARTH_ADMIN_PASSWORD or a prompt.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
    /// Audit log commands.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Field-encryption key commands.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the hash chain; exit 0 when intact. Prints the chain's head (SEQ:HASH): keep it
    /// outside the database and pass it back with --expect-head.
    Verify {
        /// A head recorded earlier (SEQ:HASH, as printed here or published by the audit-head
        /// job): fails when that seal is missing (the newest events were removed) or differs.
        #[arg(long, value_name = "SEQ:HASH", value_parser = parse_head)]
        expect_head: Option<platform::audit::Head>,
    },
}

fn parse_head(s: &str) -> Result<platform::audit::Head, String> {
    s.parse()
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Re-encrypt every encrypted field under a new key version, in batches.
    Rotate,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("hearth: {e}");
            return ExitCode::from(2);
        }
    };
    init_tracing(&config);
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hearth: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(run(cli.command.unwrap_or(Command::Serve { no_migrate: false }), config));
    // Requests cut at the end of the shutdown grace may still be running: do not wait for them.
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hearth: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(cfg: &Config) {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::prelude::*;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt = if cfg.log_json {
        tracing_subscriber::fmt::layer().json().boxed()
    } else {
        tracing_subscriber::fmt::layer().with_ansi(std::io::stderr().is_terminal()).boxed()
    };
    // Counting statements makes sqlx describe each one: only when asked (load benchmark).
    let counter = std::env::var("HEARTH_COUNT_QUERIES").is_ok_and(|v| v == "1").then(|| {
        hearth::platform::metrics::QueryCounter
            .with_filter(Targets::new().with_target("sqlx::query", tracing::Level::DEBUG))
    });
    tracing_subscriber::registry().with(fmt.with_filter(filter)).with(counter).init();
}

async fn run(cmd: Command, mut config: Config) -> anyhow::Result<ExitCode> {
    if matches!(cmd, Command::Demo) {
        if !config.allows_demo() {
            anyhow::bail!("`hearth demo` is refused in production: it creates accounts with a published password");
        }
        if config.env == hearth::config::Env::Dev {
            config.env = hearth::config::Env::Demo;
        }
    }
    // The background pool (longer statement and lock limits): migrations, seeding and the
    // commands below; `serve` opens the request pool beside it.
    let database = db::open(&config).await?;
    let pool = database.pool.clone();
    match cmd {
        Command::Migrate => {
            db::migrate(&pool).await?;
            hearth::REGISTRY.prepare(&pool).await?;
            println!("migrations applied");
        }
        Command::Serve { no_migrate } => {
            if !no_migrate {
                db::migrate(&pool).await?;
                hearth::REGISTRY.prepare(&pool).await?;
            }
            serve(&database, config).await?;
        }
        Command::Demo => {
            db::migrate(&pool).await?;
            hearth::REGISTRY.prepare(&pool).await?;
            let state = AppState::new(pool.clone(), config.clone(), &hearth::REGISTRY).await?;
            let report = demo::seed(&pool, &state.keys).await?;
            if report.created {
                println!(
                    "Seeded the demo network: 2 facilities, {} accounts, {} patients.",
                    demo::ACCOUNTS.len(),
                    report.patients
                );
            } else {
                println!("Demo network already present; left as it is.");
            }
            println!("\nHearth demo: {}/login", config.base_url);
            println!("Accounts (password {}):", demo::PASSWORD);
            for (email, _, role) in demo::ACCOUNTS {
                println!("  {email:<28} {role}");
            }
            println!(
                "  Two-step verification (admin, hospital admin, doctor, pharmacist): add the base32 secret {}\n  \
                 to any authenticator app (or: oathtool --totp -b {}) and type its code after the password.\n",
                demo::ADMIN_TOTP_SECRET,
                demo::ADMIN_TOTP_SECRET
            );
            drop(state);
            serve(&database, config).await?;
        }
        Command::CreateAdmin { email, name } => {
            db::migrate(&pool).await?;
            hearth::REGISTRY.prepare(&pool).await?;
            let password = match std::env::var("HEARTH_ADMIN_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => prompt_password()?,
            };
            if let Err(m) = platform::auth::password::check_policy(&password, &email) {
                anyhow::bail!("password rejected: {m}");
            }
            let state = AppState::new(pool.clone(), config.clone(), &hearth::REGISTRY).await?;
            let mut tx = state.pool.begin().await?;
            let facilities: Vec<uuid::Uuid> =
                sqlx::query_scalar("SELECT id FROM facilities WHERE active").fetch_all(&mut *tx).await?;
            let meta = platform::audit::AuditMeta::system("hearth create-admin");
            let new = hearth::modules::admin::NewUser {
                email: &email,
                display_name: &name,
                password: &password,
                roles: &["super_admin"],
                facility_ids: &facilities,
                must_change_password: false,
            };
            let id = hearth::modules::admin::create_user(&mut tx, &new, &meta)
                .await
                .map_err(|e| anyhow::anyhow!("cannot create {email}: {e}"))?;
            tx.commit().await?;
            println!("created super admin {email} ({id})");
        }
        Command::Audit { command: AuditCommand::Verify { expect_head } } => {
            let report = platform::audit::verify_with(&pool, expect_head.as_ref()).await?;
            if let Some(head) = &report.head {
                println!("audit head {head}");
            }
            if report.unused_event_ids > 0 {
                println!(
                    "note: {} event ids between the oldest and the newest event are unused (rolled-back transactions leave such gaps; every sealed event was checked)",
                    report.unused_event_ids
                );
            }
            if let Some((id, why)) = &report.first_broken {
                eprintln!("audit chain BROKEN at event {id}: {why} ({} events before it verified)", report.checked);
                return Ok(ExitCode::from(1));
            }
            if let Some(why) = &report.head_problem {
                eprintln!("audit chain BROKEN: {why} ({} events verified)", report.checked);
                return Ok(ExitCode::from(1));
            }
            println!("audit chain intact: {} events verified", report.checked);
            if let Some(head) = &expect_head {
                println!("expected head {head} found");
            }
            return Ok(ExitCode::SUCCESS);
        }
        Command::Keys { command: KeysCommand::Rotate } => {
            let state = AppState::new(pool.clone(), config.clone(), &hearth::REGISTRY).await?;
            let version = platform::keys::activate_next(&pool).await?;
            println!("key version {version} is now active; re-encrypting...");
            let n = platform::keys::reencrypt_all(&pool, &state.keys, &hearth::REGISTRY, version, |t, c, done| {
                println!("  {t}.{c}: {done} re-encrypted")
            })
            .await?;
            println!("done: {n} values now under key version {version}");
        }
    }
    drop(database);
    Ok(ExitCode::SUCCESS)
}

fn prompt_password() -> anyhow::Result<String> {
    use std::io::BufRead;
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    eprint!("Password for the new admin (input is shown; set HEARTH_ADMIN_PASSWORD to avoid the prompt): ");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

async fn serve(database: &db::Database, config: hearth::config::Config) -> anyhow::Result<()> {
    let addr = config.addr;
    let background = database.pool.clone();
    let pool = database.request_pool(&config);
    if config.env == hearth::config::Env::Production {
        let demo: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE email::text LIKE '%@demo.hearth' AND active)")
                .fetch_one(&pool)
                .await?;
        if demo {
            anyhow::bail!("production refuses to serve while demo accounts (@demo.hearth, published password) are active; deactivate them or use a fresh database");
        }
    }
    let state = AppState::with_background(pool.clone(), background.clone(), config, &hearth::REGISTRY).await?;
    // Blind indexes are HMACs computed here, so a changed normalisation re-indexes existing rows
    // at start-up (idempotent: nothing to do once done).
    let reindexed = hearth::modules::patients::repo::reindex_phones(&background, &state.keys).await?;
    if reindexed > 0 {
        tracing::info!(rows = reindexed, "re-indexed patients' phone numbers");
    }
    let refresher = state.background();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
        loop {
            tick.tick().await;
            refresher.refresh_key_version().await;
        }
    });
    // Recurring schedules are validated here, at start-up, not when they first fall due.
    let schedules: Vec<_> = hearth::REGISTRY.modules().flat_map(|m| (m.schedules)()).collect();
    platform::jobs::register_schedules(&background, &schedules).await?;
    // Jobs run over the background pool, with the background session limits; running jobs
    // get the same grace as requests on shutdown.
    let grace = state.config.shutdown_grace;
    let worker =
        tokio::spawn(platform::jobs::Worker::new(state.background()).grace(grace).run_until(state.shutdown_signal()));
    // Chains audit events after commit (see platform::audit); a last batch on shutdown.
    let sealer = tokio::spawn(platform::audit::run_sealer(
        background.clone(),
        std::time::Duration::from_millis(250),
        state.shutdown_signal(),
    ));
    let app = hearth::build_app(state.clone());
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    tracing::info!(%addr, "Hearth is listening");
    let stopper = state.clone();
    let drain = hearth::server::serve(listener, app, hearth::server::Limits::from_config(&state.config), async move {
        shutdown_signal().await;
        // Ends the live-update streams (they would hold the drain open) and tells the job
        // worker to stop claiming; running jobs finish or are released.
        stopper.begin_shutdown();
    })
    .await;
    match drain {
        hearth::server::Drain::Complete => tracing::info!("drained; waiting for the job worker"),
        hearth::server::Drain::DeadlinePassed { open } => tracing::warn!(
            open,
            grace_s = grace.as_secs(),
            "the shutdown grace ran out; cutting the requests still running"
        ),
    }
    // The worker's grace started with the signal; releasing its jobs needs the database briefly.
    let settle = std::time::Duration::from_secs(5);
    match tokio::time::timeout(settle, worker).await {
        Ok(Err(e)) => tracing::error!(error = %e, "the job worker ended abnormally"),
        Err(_) => tracing::warn!("the job worker did not stop in time"),
        Ok(Ok(())) => {}
    }
    match tokio::time::timeout(settle, sealer).await {
        Ok(Err(e)) => tracing::error!(error = %e, "the audit sealer ended abnormally"),
        Err(_) => tracing::warn!("the audit sealer did not stop in time"),
        Ok(Ok(())) => {}
    }
    // A request cut at the deadline still holds its connection: do not wait for it.
    tracing::info!("closing the database pools");
    let closing = async {
        pool.close().await;
        background.close().await;
    };
    let wait = match drain {
        hearth::server::Drain::Complete => std::time::Duration::from_secs(2),
        hearth::server::Drain::DeadlinePassed { .. } => std::time::Duration::from_millis(200),
    };
    if tokio::time::timeout(wait, closing).await.is_err() {
        tracing::warn!("database connections still in use at exit");
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
