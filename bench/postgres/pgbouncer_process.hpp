// A throwaway pgbouncer in front of a PostgresCluster: transaction pooling on
// a free 127.0.0.1 port, stopped (SIGTERM, then SIGKILL) and removed by the
// destructor. pgbouncer refuses to run as root, so as root it runs as the
// `postgres` user, like the server.
#pragma once

#include "postgres_cluster.hpp"

#include <libpq-fe.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

namespace weir::bench {

class PgBouncerProcess {
 public:
  PgBouncerProcess(const weir::testing::PostgresCluster& server, int pool_size) {
    char pattern[] = "/tmp/weir-pgbouncer-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    port_ = weir::testing::PostgresCluster::free_port();
    // Clients are trusted (loopback, bench only); pgbouncer logs in to the
    // server over TCP with the password, like weir does.
    std::ofstream(dir_ / "users.txt") << "\"postgres\" \"\"\n";
    std::ofstream(dir_ / "pgbouncer.ini")
        << "[databases]\n"
        << "postgres = host=127.0.0.1 port=" << server.port()
        << " dbname=postgres user=postgres password=" << server.superuser_password() << "\n"
        << "[pgbouncer]\n"
        << "listen_addr = 127.0.0.1\nlisten_port = " << port_ << "\n"
        << "unix_socket_dir =\n"
        << "auth_type = trust\nauth_file = " << (dir_ / "users.txt").string() << "\n"
        << "pool_mode = transaction\n"
        << "default_pool_size = " << pool_size << "\nmax_client_conn = 1000\n"
        << "logfile = " << (dir_ / "pgbouncer.log").string() << "\n"
        << "pidfile = " << (dir_ / "pgbouncer.pid").string() << "\n";
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("postgres");
      for (const auto& p : {dir_, dir_ / "users.txt", dir_ / "pgbouncer.ini"}) {
        if (pw == nullptr || ::chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
          throw std::runtime_error("cannot hand " + p.string() + " to the postgres user");
        }
      }
    }
    std::vector<std::string> argv = {"/usr/sbin/pgbouncer", (dir_ / "pgbouncer.ini").string()};
    if (::geteuid() == 0) argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    // Its log goes to the file above; keep the bench's own output readable.
    posix_spawn_file_actions_t quiet;
    posix_spawn_file_actions_init(&quiet);
    posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&quiet, 1, 2);
    // Nor the bench's sockets (its clients' connections, the gateway's listener): a daemon
    // that inherits them keeps them open after the bench closes its end.
    posix_spawn_file_actions_addclosefrom_np(&quiet, 3);
    const int rc = ::posix_spawn(&pid_, args[0], &quiet, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&quiet);
    if (rc != 0) throw std::runtime_error("cannot start pgbouncer");
    for (int i = 0; i < 100; ++i) {
      if (PQping(conninfo().c_str()) == PQPING_OK) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("pgbouncer did not start; see " + (dir_ / "pgbouncer.log").string());
  }
  PgBouncerProcess(const PgBouncerProcess&) = delete;
  PgBouncerProcess& operator=(const PgBouncerProcess&) = delete;

  ~PgBouncerProcess() {
    if (pid_ > 0) {
      // Signal pgbouncer itself (its pidfile), not the runuser wrapper.
      pid_t bouncer = 0;
      std::ifstream(dir_ / "pgbouncer.pid") >> bouncer;
      ::kill(bouncer > 0 ? bouncer : pid_, SIGTERM);
      int status = 0;
      for (int i = 0; i < 50 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (::waitpid(pid_, &status, WNOHANG) == 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
      }
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string conninfo() const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=postgres user=postgres";
  }

 private:
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace weir::bench
