// hyper-hello serves "Hello, World!" with hyper 0.14 on tokio's
// current-thread runtime (one core, like the other servers in bench/run).
//
//     hyper-hello 127.0.0.1:8080
use std::convert::Infallible;

use hyper::service::{make_service_fn, service_fn};
use hyper::{Body, Request, Response, Server};

async fn hello(_: Request<Body>) -> Result<Response<Body>, Infallible> {
    Ok(Response::new(Body::from("Hello, World!")))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_string())
        .parse()
        .expect("address");
    let make = make_service_fn(|_| async { Ok::<_, Infallible>(service_fn(hello)) });
    // Pipelined requests are answered in one flush, as the Go servers do.
    let server = Server::bind(&addr)
        .http1_only(true)
        .http1_pipeline_flush(true)
        .serve(make);
    println!("ready");
    if let Err(e) = server.await {
        eprintln!("hyper-hello: {e}");
        std::process::exit(1);
    }
}
