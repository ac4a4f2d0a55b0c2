//! `rewrite_log DATABASE_URL FROM_SEQ`: rewrites the public log from entry
//! `FROM_SEQ` on, head included, as whoever runs the database could (the
//! attack signed heads and witnesses exist to catch). For tests only: the
//! browser witness test runs it against its own server's database.

#[path = "../tests/api/rewrite.rs"]
#[allow(dead_code)] // the tests use more of it
mod rewrite;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(from)) = (args.next(), args.next().and_then(|s| s.parse::<i64>().ok()))
    else {
        eprintln!("usage: rewrite_log DATABASE_URL FROM_SEQ");
        std::process::exit(2);
    };
    let db = kolaborasi_server::db::Db::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("open {url}: {e}"));
    let head = rewrite::rewrite_from(&db, from)
        .await
        .unwrap_or_else(|e| panic!("rewrite: {e}"));
    db.close().await;
    println!("{}:{}", head.seq, head.hash);
}
