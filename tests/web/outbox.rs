//! The outbox: e-mails wait in the database, are shown on the development mailbox, are delivered by SMTP
//! when a server is configured, and a failed delivery is retried later, never lost.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use crate::common::*;
use ruralserve::store::outbox;

/// A minimal SMTP server for one connection; returns the messages it received.
fn fake_smtp_server() -> (u16, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handle = std::thread::spawn(move || {
        let mut received = vec![];
        let (stream, _) = listener.accept().expect("connection");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut out = stream;
        let _ = out.write_all(b"220 fake ESMTP\r\n");
        let mut data = None::<String>;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            if let Some(body) = data.as_mut() {
                if line == ".\r\n" {
                    received.push(data.take().unwrap_or_default());
                    let _ = out.write_all(b"250 queued\r\n");
                } else {
                    body.push_str(&line);
                }
                continue;
            }
            let command = line.to_ascii_uppercase();
            let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
                b"250 fake\r\n"
            } else if command.starts_with("DATA") {
                data = Some(String::new());
                b"354 go ahead\r\n"
            } else if command.starts_with("QUIT") {
                let _ = out.write_all(b"221 bye\r\n");
                break;
            } else {
                b"250 ok\r\n"
            };
            let _ = out.write_all(reply);
        }
        received
    });
    (port, handle)
}

fn mailer(app: &TestApp, port: u16) -> ruralserve::mail::Mailer {
    let mut config = config_for(&app.db);
    config.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    ruralserve::mail::Mailer::from_config(&config).expect("config").expect("a mailer")
}

/// One round of the job runner, with a mail server on `port`; returns how many e-mails were sent.
fn deliver(app: &TestApp, port: u16) -> usize {
    let now = chrono::Utc::now().naive_utc();
    ruralserve::service::jobs::run_due(&mut app.conn(), now, Some(&mailer(app, port))).expect("runs").mails_sent
}

#[actix_web::test]
async fn e_mails_wait_in_the_outbox_are_retried_on_failure_and_delivered_once() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    // Registration writes the e-mail in the same transaction as the account.
    let mut b = Browser::new();
    b.get(&svc, "/register").await;
    b.post(
        &svc,
        "/register",
        &[("full_name", "Amina Abdi"), ("email", "amina@example.org"), ("password", "desert rain in wajir")],
    )
    .await;
    let message = outbox::latest_to(&mut app.conn(), "amina@example.org").expect("q").expect("queued");
    assert_eq!(message.status, "pending");

    // Without SMTP, administrators read it on the development mailbox.
    let mut admin = Browser::new();
    admin.log_in(&svc, "admin@demo.ruralserve.org", DEMO_PASSWORD).await;
    let mailbox = admin.get(&svc, "/admin/mailbox").await;
    assert!(mailbox.body.contains("amina@example.org") && mailbox.body.contains("verify?token="));

    // A server that is down: the attempt is recorded and the message stays pending for a later try.
    let closed_port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let sent = deliver(&app, closed_port);
    assert_eq!(sent, 0);
    let after_failure = outbox::find(&mut app.conn(), message.id).expect("still there");
    assert_eq!((after_failure.status.as_str(), after_failure.attempts), ("pending", 1));
    assert!(after_failure.last_error.is_some());
    assert!(after_failure.next_attempt_at > chrono::Utc::now().naive_utc(), "retried later, not at once");
    let failing = admin.get(&svc, "/admin/jobs").await;
    assert!(failing.body.contains("Deliver an e-mail"), "administrators see the failure: {}", failing.body);

    // When it is due again and the server is up, it is delivered, and only once.
    {
        use diesel::RunQueryDsl;
        diesel::sql_query("UPDATE outbox SET next_attempt_at = '2000-01-01 00:00:00'")
            .execute(&mut app.conn())
            .expect("due");
    }
    let pending: usize =
        outbox::recent(&mut app.conn(), 100).expect("q").iter().filter(|m| m.status == "pending").count();
    let (port, server) = fake_smtp_server();
    let sent = deliver(&app, port);
    assert_eq!(sent, pending);
    let delivered = outbox::find(&mut app.conn(), message.id).expect("still there");
    assert_eq!(delivered.status, "sent");
    assert!(delivered.sent_at.is_some());
    let again = deliver(&app, closed_port);
    assert_eq!(again, 0, "nothing is sent twice");
    let received = server.join().expect("server");
    assert!(received.iter().any(|m| m.contains("amina@example.org")), "{received:?}");
}
