//! The embedded default database: a private PostgreSQL cluster started from the installed
//! server binaries when no `DATABASE_URL` is given.
//!
//! We evaluated the `pgtemp` crate: it makes throw-away clusters, deletes them on drop and runs
//! the server as the calling user, which fails as root. Hearth needs the opposite for the demo
//! (a persistent cluster under `HEARTH_DATA_DIR`) and must drop privileges when run as root, so
//! this small module does it by hand.
//!
//! The server runs under a tiny `sh` watchdog whose stdin is a pipe from this process: when
//! Hearth exits for any reason, the pipe closes and the watchdog stops PostgreSQL (fast mode),
//! so no orphaned server is left behind.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};

pub const INSTALL_HINT: &str = "no PostgreSQL server binaries (initdb, postgres) were found in PATH, \
`pg_config --bindir` or /usr/lib/postgresql/*/bin.\n\
Either install PostgreSQL (Debian/Ubuntu: `apt-get install postgresql`; macOS: `brew install postgresql@16`) \
or point Hearth at a running server with DATABASE_URL=postgres://user:pass@host:5432/hearth";

pub struct EmbeddedPg {
    pub data_dir: PathBuf,
    pub port: u16,
    password: String,
    child: Option<Child>,
}

impl std::fmt::Debug for EmbeddedPg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedPg").field("data_dir", &self.data_dir).field("port", &self.port).finish()
    }
}

/// Finds the directory holding `initdb` and `postgres`.
pub fn find_bindir() -> Option<PathBuf> {
    let has = |d: &Path| d.join("initdb").is_file() && d.join("postgres").is_file();
    if let Some(path) = std::env::var_os("PATH") {
        for d in std::env::split_paths(&path) {
            if has(&d) {
                return Some(d);
            }
        }
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let d = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has(&d) {
            return Some(d);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let d = e.path().join("bin");
            has(&d).then_some((v, d))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, d)| d)
}

/// PostgreSQL refuses to run as root: find (or create) an unprivileged account for it.
fn server_account() -> anyhow::Result<Option<(u32, u32)>> {
    let euid = command_output("id", &["-u"])?.parse::<u32>().unwrap_or(0);
    if euid != 0 {
        return Ok(None);
    }
    for name in ["postgres", "hearth-pg"] {
        if let (Ok(u), Ok(g)) = (command_output("id", &["-u", name]), command_output("id", &["-g", name])) {
            if let (Ok(u), Ok(g)) = (u.parse(), g.parse()) {
                return Ok(Some((u, g)));
            }
        }
    }
    let status = Command::new("useradd")
        .args(["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "hearth-pg"])
        .status()
        .context("running as root and no `postgres` account exists; creating one with useradd failed")?;
    if !status.success() {
        bail!("running as root and could not create an unprivileged `hearth-pg` account for PostgreSQL");
    }
    let u = command_output("id", &["-u", "hearth-pg"])?.parse()?;
    let g = command_output("id", &["-g", "hearth-pg"])?.parse()?;
    Ok(Some((u, g)))
}

fn command_output(cmd: &str, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new(cmd).args(args).output()?;
    if !out.status.success() {
        bail!("{cmd} failed");
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn as_account(cmd: &mut Command, account: Option<(u32, u32)>) {
    if let Some((uid, gid)) = account {
        cmd.uid(uid).gid(gid);
    }
}

fn chown_tree(path: &Path, account: Option<(u32, u32)>) -> anyhow::Result<()> {
    let Some((uid, gid)) = account else { return Ok(()) };
    std::os::unix::fs::chown(path, Some(uid), Some(gid))?;
    if path.is_dir() {
        for entry in std::fs::read_dir(path)? {
            chown_tree(&entry?.path(), account)?;
        }
    }
    Ok(())
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl EmbeddedPg {
    /// Initialises (first time) and starts the cluster under `base`/pg.
    pub fn start(base: &Path) -> anyhow::Result<Self> {
        let bindir = find_bindir().ok_or_else(|| anyhow!(INSTALL_HINT))?;
        std::fs::create_dir_all(base).with_context(|| format!("creating {}", base.display()))?;
        let base = base.canonicalize()?;
        let data_dir = base.join("pg");
        let pw_path = base.join("pg-password");
        let account = server_account()?;

        if !data_dir.join("PG_VERSION").exists() {
            let password = random_password();
            crate::config::write_private(&pw_path, password.as_bytes())?;
            std::fs::create_dir_all(&data_dir)?;
            let pwfile = base.join(".initpw");
            crate::config::write_private(&pwfile, password.as_bytes())?;
            chown_tree(&pwfile, account)?;
            chown_tree(&data_dir, account)?;
            std::fs::set_permissions(&data_dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
            let mut cmd = Command::new(bindir.join("initdb"));
            cmd.arg("-D")
                .arg(&data_dir)
                .args(["-U", "postgres", "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8"])
                .arg(format!("--pwfile={}", pwfile.display()))
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            as_account(&mut cmd, account);
            let out = cmd.output().context("running initdb")?;
            let _ = std::fs::remove_file(&pwfile);
            if !out.status.success() {
                let _ = std::fs::remove_dir_all(&data_dir);
                bail!("initdb failed: {}", String::from_utf8_lossy(&out.stderr));
            }
        }
        let password = std::fs::read_to_string(&pw_path)
            .with_context(|| format!("reading {}", pw_path.display()))?
            .trim()
            .to_string();

        // Another Hearth process already runs this cluster: share it.
        if let Some(port) = running_port(&data_dir) {
            return Ok(EmbeddedPg { data_dir, port, password, child: None });
        }

        let port = free_port()?;
        let log = std::fs::OpenOptions::new().create(true).append(true).open(base.join("pg.log"))?;
        chown_tree(&base.join("pg.log"), account)?;
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(r#""$1" -D "$2" -p "$3" -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=300 -c fsync=on & pid=$!
trap 'kill -INT $pid' TERM INT
read _ignored
kill -INT $pid 2>/dev/null
wait $pid"#)
            .arg("hearth-pg-watchdog")
            .arg(bindir.join("postgres"))
            .arg(&data_dir)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0);
        as_account(&mut cmd, account);
        let child = cmd.spawn().context("starting postgres")?;
        let mut pg = EmbeddedPg { data_dir, port, password, child: Some(child) };
        pg.wait_listening(Duration::from_secs(30))?;
        Ok(pg)
    }

    fn wait_listening(&mut self, limit: Duration) -> anyhow::Result<()> {
        let start = Instant::now();
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    let mut log = String::new();
                    let _ = std::fs::File::open(self.data_dir.parent().unwrap_or(Path::new(".")).join("pg.log"))
                        .and_then(|mut f| f.read_to_string(&mut log));
                    let tail: String =
                        log.lines().rev().take(10).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
                    bail!("postgres exited ({status}) while starting:\n{tail}");
                }
            }
            if start.elapsed() > limit {
                bail!("postgres did not start listening within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres:{}@127.0.0.1:{}/{database}", self.password, self.port)
    }

    /// Stops the server (fast shutdown) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            drop(child.stdin.take());
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for EmbeddedPg {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The port of a live server already using this data dir, from its postmaster.pid.
fn running_port(data_dir: &Path) -> Option<u16> {
    let text = std::fs::read_to_string(data_dir.join("postmaster.pid")).ok()?;
    let mut lines = text.lines();
    let pid: i32 = lines.next()?.trim().parse().ok()?;
    let port: u16 = lines.nth(2)?.trim().parse().ok()?;
    let alive = Path::new(&format!("/proc/{pid}")).exists();
    (alive && TcpStream::connect(("127.0.0.1", port)).is_ok()).then_some(port)
}

fn random_password() -> String {
    let mut b = [0u8; 24];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
    hex::encode(b)
}
