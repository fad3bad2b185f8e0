// weir::testing::PostgresCluster — a throwaway PostgreSQL server for tests
// and benchmarks, built from Debian's packages (initdb + pg_ctl).
//
//   PostgresCluster pg;             // initdb into a fresh temp dir, start it
//   pg.url();                       // postgresql://postgres@127.0.0.1:<port>/postgres
//   pg.stop("fast"); pg.start();    // outage tests
//   auto replica = PostgresCluster::replica_of(pg);  // a streaming hot standby
//
// TCP on 127.0.0.1 (a free port) asks for a password (scram-sha-256, see
// superuser_password()); the unix socket in the temp dir is trusted, so
// admin work needs no secret. Running as root, the data directory belongs to
// the `postgres` user and every server binary runs as that user through
// runuser, because PostgreSQL refuses to run as root. The destructor stops
// the server (immediate mode) and removes the directory, even when a test
// failed. Self-contained on purpose: it needs only POSIX and the C++ library.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace weir::testing {

class PostgresCluster {
 public:
  // Creates and starts a primary. Throws std::runtime_error with the server's
  // log when anything fails, so a broken environment is obvious.
  PostgresCluster() : PostgresCluster(Role::kPrimary, nullptr) {}

  // A streaming hot standby of `primary` (pg_basebackup -R), started.
  static PostgresCluster replica_of(const PostgresCluster& primary) {
    return PostgresCluster(Role::kReplica, &primary);
  }

  PostgresCluster(PostgresCluster&& other) noexcept { *this = std::move(other); }
  PostgresCluster& operator=(PostgresCluster&& other) noexcept {
    std::swap(root_, other.root_);
    std::swap(bin_, other.bin_);
    std::swap(port_, other.port_);
    std::swap(running_, other.running_);
    std::swap(password_, other.password_);
    return *this;
  }
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  ~PostgresCluster() {
    if (root_.empty()) return;
    if (running_) run_quietly({pg_ctl(), "-D", data_dir(), "-m", "immediate", "-w", "stop"});
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }

  // Starts the server and waits until it accepts connections.
  void start() {
    run_or_throw({pg_ctl(), "-D", data_dir(), "-l", log_path(), "-w", "-t", "60", "start"},
                 "pg_ctl start");
    running_ = true;
  }
  // mode: "smart", "fast" (disconnects clients, what an operator does) or "immediate".
  void stop(const std::string& mode = "fast") {
    run_or_throw({pg_ctl(), "-D", data_dir(), "-m", mode, "-w", "-t", "60", "stop"}, "pg_ctl stop");
    running_ = false;
  }
  void restart(const std::string& mode = "fast") {
    stop(mode);
    start();
  }
  bool running() const noexcept { return running_; }

  int port() const noexcept { return port_; }
  std::string host() const { return "127.0.0.1"; }
  // The directory holding the unix socket (.s.PGSQL.<port>).
  std::string socket_dir() const { return root_.string(); }
  const std::string& superuser() const {
    static const std::string name = "postgres";
    return name;
  }
  const std::string& superuser_password() const noexcept { return password_; }
  // TCP URL without the password (supply it through PGPASSWORD, password_env, ...).
  std::string url(const std::string& database = "postgres") const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
  }
  // Unix-socket URL; trusted, so no password is needed.
  std::string socket_url(const std::string& database = "postgres") const {
    return "postgresql:///" + database + "?host=" + socket_dir() +
           "&port=" + std::to_string(port_) + "&user=postgres";
  }

  // Runs SQL as the superuser over the unix socket; returns psql's unaligned output.
  std::string psql(const std::string& sql, const std::string& database = "postgres") const {
    return run_or_throw(
        {bin("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", socket_dir(), "-p",
         std::to_string(port_), "-U", "postgres", "-d", database, "-c", sql},
        "psql");
  }

  std::string server_log() const {
    std::ifstream in(log_path());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // Absolute path of a PostgreSQL binary (initdb, pg_ctl, psql, ...).
  std::string bin(const std::string& name) const { return (bin_ / name).string(); }

  // A TCP port on 127.0.0.1 that was free a moment ago.
  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ::close(fd);
      throw std::runtime_error("bind 127.0.0.1:0: " + std::string(std::strerror(errno)));
    }
    ::close(fd);
    return ntohs(addr.sin_port);
  }

 private:
  enum class Role { kPrimary, kReplica };

  PostgresCluster(Role role, const PostgresCluster* primary) {
    bin_ = find_bin_dir();
    char pattern[] = "/tmp/weir-pg-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) {
      throw std::runtime_error("mkdtemp: " + std::string(std::strerror(errno)));
    }
    root_ = pattern;
    try {
      hand_to_server_user(root_);
      if (role == Role::kPrimary) {
        password_ = random_password();
        init_primary();
      } else {
        password_ = primary->password_;
        run_or_throw({bin("pg_basebackup"), "-h", primary->socket_dir(), "-p",
                      std::to_string(primary->port_), "-U", "postgres", "-D", data_dir(), "-R",
                      "-X", "stream", "-c", "fast"},
                     "pg_basebackup");
      }
      // A fresh port per attempt: another process may grab ours between probe and bind.
      for (int attempt = 1;; ++attempt) {
        port_ = free_port();
        write_local_settings();
        try {
          start();
          break;
        } catch (const std::runtime_error&) {
          if (attempt == 3) throw;
        }
      }
    } catch (...) {
      std::error_code ignored;
      std::filesystem::remove_all(root_, ignored);
      root_.clear();
      throw;
    }
  }

  std::string data_dir() const { return (root_ / "data").string(); }
  std::string log_path() const { return (root_ / "server.log").string(); }
  std::string pg_ctl() const { return bin("pg_ctl"); }

  void init_primary() {
    const auto pwfile = root_ / "pwfile";
    std::ofstream(pwfile) << password_ << "\n";
    hand_to_server_user(pwfile);
    run_or_throw({bin("initdb"), "-D", data_dir(), "-U", "postgres", "--pwfile", pwfile.string(),
                  "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8",
                  "--locale=C"},
                 "initdb");
    std::filesystem::remove(pwfile);
  }

  // Settings in a file included last, so a replica (copied from the primary)
  // gets its own port while keeping everything else.
  void write_local_settings() {
    std::ofstream conf(std::filesystem::path(data_dir()) / "postgresql.auto.conf", std::ios::app);
    conf << "port = " << port_ << "\n"
         << "listen_addresses = '127.0.0.1'\n"
         << "unix_socket_directories = '" << socket_dir()
         << "'\n"
         // Throwaway data: durability costs time and buys nothing here.
         << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
         << "max_connections = 200\nshared_buffers = '32MB'\n"
         << "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n";
  }

  static std::filesystem::path find_bin_dir() {
    namespace fs = std::filesystem;
    if (const char* env = std::getenv("WEIR_PG_BIN"); env != nullptr && *env != '\0') return env;
    // Debian keeps server binaries out of PATH, one directory per major version.
    const fs::path base = "/usr/lib/postgresql";
    fs::path best;
    int best_version = -1;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(base, ec)) {
      const auto name = entry.path().filename().string();
      const int version = std::atoi(name.c_str());
      if (version > best_version && fs::exists(entry.path() / "bin" / "initdb")) {
        best_version = version;
        best = entry.path() / "bin";
      }
    }
    if (best.empty()) {
      throw std::runtime_error(
          "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin; run "
          "scripts/install-deps.sh or set WEIR_PG_BIN");
    }
    return best;
  }

  static bool is_root() { return ::geteuid() == 0; }

  static void hand_to_server_user(const std::filesystem::path& path) {
    if (!is_root()) return;
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) throw std::runtime_error("running as root but there is no `postgres` user");
    if (::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      throw std::runtime_error("chown " + path.string() + ": " + std::strerror(errno));
    }
  }

  static std::string random_password() {
    std::random_device rd;
    std::string p = "pw-";
    for (int i = 0; i < 4; ++i) p += std::to_string(rd());
    return p;
  }

  struct Outcome {
    int status;
    std::string output;
  };

  // Runs argv (no shell, so no quoting bugs), as `postgres` when we are root,
  // with stdout+stderr captured in a file inside the cluster directory.
  Outcome run(std::vector<std::string> argv) const {
    if (is_root()) argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
    const auto out_path = root_ / ("cmd-" + std::to_string(::getpid()) + ".out");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);  // as child_process.hpp says why
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return {-1, "spawn " + argv[0] + ": " + std::strerror(rc)};
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::ifstream in(out_path);
    std::stringstream s;
    s << in.rdbuf();
    std::error_code ignored;
    std::filesystem::remove(out_path, ignored);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, s.str()};
  }

  std::string run_or_throw(std::vector<std::string> argv, const std::string& what) const {
    auto outcome = run(std::move(argv));
    if (outcome.status != 0) {
      throw std::runtime_error(what + " failed (exit " + std::to_string(outcome.status) +
                               "): " + outcome.output + "\nserver log:\n" + server_log());
    }
    return outcome.output;
  }
  void run_quietly(std::vector<std::string> argv) const noexcept {
    try {
      run(std::move(argv));
    } catch (...) {
    }
  }

  std::filesystem::path root_;
  std::filesystem::path bin_;
  int port_ = 0;
  bool running_ = false;
  std::string password_;
};

}  // namespace weir::testing
