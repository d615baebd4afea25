// Command worker takes taskqueue tasks over WatchNext and runs a command for each, in the
// task's work directory with the prompt on stdin. Exit status 0 completes the task with
// {"exit_status": 0, "output": ...}; anything else fails it with the output.
//
//	worker -server 127.0.0.1:50051 -worker-id go-1 [-token KEY] [-tls-ca ca.pem] -- ./run.sh
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	taskqueuev1 "github.com/taskqueue/taskqueue/gen/go/taskqueue/v1"
	"github.com/taskqueue/taskqueue/clients/go/worker"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

func main() {
	server := flag.String("server", envOr("TASKQUEUE_SERVER", "127.0.0.1:50051"), "HOST:PORT of the server")
	token := flag.String("token", os.Getenv("TASKQUEUE_TOKEN"), "API key or JWT")
	tlsCA := flag.String("tls-ca", "", "PEM CA of the server's certificate: connect with TLS")
	tlsCert := flag.String("tls-cert", "", "client certificate (PEM) for mTLS")
	tlsKey := flag.String("tls-key", "", "client key (PEM) for mTLS")
	workerID := flag.String("worker-id", "go-worker", "this worker's name")
	directory := flag.String("directory", "", "only tasks of this work directory")
	maxInFlight := flag.Int("max-in-flight", 1, "tasks worked on at once")
	lease := flag.Duration("lease", 0, "lease of each task (e.g. 30s); 0: the server's default")
	flag.Parse()
	command := flag.Args()
	if len(command) == 0 {
		fmt.Fprintln(os.Stderr, "usage: worker [flags] -- COMMAND [ARGS...]")
		os.Exit(2)
	}
	creds := insecure.NewCredentials()
	if *tlsCA != "" {
		config, err := tlsConfig(*tlsCA, *tlsCert, *tlsKey)
		if err != nil {
			log.Fatalf("TLS: %v", err)
		}
		creds = credentials.NewTLS(config)
	}
	conn, err := grpc.NewClient(*server, grpc.WithTransportCredentials(creds))
	if err != nil {
		log.Fatalf("cannot connect to %s: %v", *server, err)
	}
	defer conn.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	w := worker.New(conn, worker.Config{
		WorkerID: *workerID, WorkDirectory: *directory, MaxInFlight: int32(*maxInFlight),
		Lease: *lease, Token: *token,
	}, runCommand(command))
	log.Printf("worker %s waiting for tasks from %s", *workerID, *server)
	if err := w.Run(ctx); err != nil {
		log.Fatal(err)
	}
	log.Printf("stopped: %d completed, %d failed", w.Completed, w.Failed)
}

func runCommand(command []string) worker.Handler {
	return func(ctx context.Context, task *taskqueuev1.Task) (map[string]any, error) {
		cmd := exec.Command(command[0], command[1:]...)
		if info, err := os.Stat(task.GetWorkDirectory()); err == nil && info.IsDir() {
			cmd.Dir = task.GetWorkDirectory()
		}
		cmd.Stdin = strings.NewReader(task.GetPrompt())
		cmd.Env = append(os.Environ(), "TASKQUEUE_TASK_ID="+task.GetId())
		var output bytes.Buffer
		cmd.Stdout, cmd.Stderr = &output, &output
		err := cmd.Run()
		text := output.String()
		if len(text) > 60000 {
			text = text[len(text)-60000:]
		}
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return nil, fmt.Errorf("exit status %d: %s", exit.ExitCode(), text)
		}
		if err != nil {
			return nil, err
		}
		return map[string]any{"exit_status": 0, "output": text}, nil
	}
}

func tlsConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", caFile)
	}
	config := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if certFile != "" {
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, err
		}
		config.Certificates = []tls.Certificate{pair}
	}
	return config, nil
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

