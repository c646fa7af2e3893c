// tokio-echo ADDR: a TCP echo server on tokio's current-thread runtime,
// a task per connection with a 1 KiB buffer. Prints "ready" when
// listening; the bench script stops it with SIGTERM.
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:7000".into());
    let rt = tokio::runtime::Builder::new_current_thread().enable_io().build()?;
    rt.block_on(async move {
        let ln = TcpListener::bind(&addr).await?;
        println!("ready");
        loop {
            let (mut sock, _) = ln.accept().await?;
            sock.set_nodelay(true)?;
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                loop {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if sock.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    })
}
