use clap::Parser;
use kolaborasi_server::config::Config;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let config = Config::parse();
    let running = match kolaborasi_server::start(&config, shutdown_signal()).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("could not start: {e}");
            std::process::exit(1);
        }
    };
    tracing::info!(database = running.state.db.engine(), "ready");
    println!("Kolaborasi is running at http://{}/", running.addr);
    match running.task.await {
        Ok(Ok(())) => {
            running.state.db.close().await;
            tracing::info!("stopped cleanly");
        }
        Ok(Err(e)) => {
            tracing::error!("server error: {e}");
            std::process::exit(1);
        }
        Err(e) => {
            tracing::error!("server task failed: {e}");
            std::process::exit(1);
        }
    }
}

/// Ctrl-C or SIGTERM: stop accepting, finish in-flight requests, exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
