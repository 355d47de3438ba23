//! Reminder letters by email, through a real SMTP server (aiosmtpd, scripts/smtp-sink.py): the
//! mail is queued with the reminder, waits while the server is away (the attempt logged, a retry
//! planned), goes out once it is back with the letter attached, and is sent once.

use crate::einvoice::seller;
use crate::subscriptions::{act, shop};
use flexdesk::services::dunning::{self, SendInput};
use flexdesk::services::{mail, subscriptions as subs};
use serde_json::json;
use std::path::Path;
use std::process::{Child, Command, Stdio};

fn python() -> String {
    let out = Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/test-venv.sh"))
        .output()
        .expect("the test venv");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

struct Sink(Child);

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The SMTP server on `port`, writing what it receives into `dir`.
fn sink(python: &str, dir: &Path, port: u16) -> Sink {
    let mut child = Command::new(python)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/smtp-sink.py"))
        .arg(dir)
        .arg(port.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the SMTP sink");
    // It prints its port once it listens.
    use std::io::BufRead;
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), port.to_string());
    Sink(child)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_is_mailed_with_its_letter_once_the_mail_server_answers() {
    let python = python();
    let mut t = shop().await;
    t.settings(|s| s.seller = seller("NL", "NL123456789B01", "NL91 ABNA 0417 1643 00"))
        .await;
    let db = &t.core.db.clone();
    let o = t
        .confirmed_order(
            "ann@x.example",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 6}]),
        )
        .await;
    let r = subs::activate(db, &t.ctx(), act(&o.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    t.go_to(2026, 1, 18);

    // The account: this computer's server needs the administrator's confirmation.
    let port = free_port();
    let account = |allow: bool| mail::SmtpInput {
        host: "127.0.0.1".into(),
        port: Some(port),
        security: Some("none".into()),
        from_address: "billing@flexrent.example".into(),
        from_name: Some("FlexRent NL".into()),
        allow_address: Some(allow),
        ..Default::default()
    };
    let e = mail::save(db, &t.ctx(), &t.core.desk.id, account(false))
        .await
        .unwrap_err();
    assert_eq!(e.details[0].code, "confirm_address", "{}", e.message);
    mail::save(db, &t.ctx(), &t.core.desk.id, account(true))
        .await
        .unwrap();

    let sent = dunning::send(
        db,
        &t.ctx(),
        SendInput {
            customer_ids: vec![r.customer_id.clone()],
        },
    )
    .await
    .unwrap();
    assert_eq!(sent[0].mailed_to.as_deref(), Some("ann@x.example"));

    // The server is not there yet: the attempt is logged and a retry planned.
    let now = t.clock_now();
    assert_eq!(
        mail::deliver_due(db, &t.core.desk.id, now, dunning::letter_for_mail)
            .await
            .unwrap(),
        0
    );
    let log = mail::log(db, &t.bu).await.unwrap();
    assert_eq!((log[0].status.as_str(), log[0].attempts), ("queued", 1));
    assert!(log[0].last_error.is_some(), "{:?}", log[0]);

    // It answers: the mail goes out at its retry, with the letter attached, once.
    let inbox = tempfile::tempdir().unwrap();
    let _server = sink(&python, inbox.path(), port);
    assert_eq!(
        mail::deliver_due(db, &t.core.desk.id, now, dunning::letter_for_mail)
            .await
            .unwrap(),
        0,
        "not before its retry"
    );
    let later = now + chrono::Duration::minutes(2);
    assert_eq!(
        mail::deliver_due(db, &t.core.desk.id, later, dunning::letter_for_mail)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        mail::deliver_due(db, &t.core.desk.id, later, dunning::letter_for_mail)
            .await
            .unwrap(),
        0
    );
    let log = mail::log(db, &t.bu).await.unwrap();
    assert_eq!((log[0].status.as_str(), log[0].attempts), ("sent", 2));

    let eml = inbox.path().join("001.eml");
    for _ in 0..50 {
        if eml.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(!inbox.path().join("002.eml").exists());
    // The attachment, read back: the letter as printed.
    let pdf = inbox.path().join("letter.pdf");
    let out = Command::new(&python)
        .arg("-c")
        .arg(
            "import email,email.policy,sys\n\
             m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)\n\
             print(m['To']); print(m['Subject'])\n\
             for p in m.walk():\n\
             \x20   if p.get_content_type() == 'text/plain':\n\
             \x20       print(p.get_content())\n\
             \x20   if p.get_content_type() == 'application/pdf':\n\
             \x20       open(sys.argv[2], 'wb').write(p.get_payload(decode=True)); print(p.get_filename())\n",
        )
        .arg(&eml)
        .arg(&pdf)
        .output()
        .unwrap();
    let headers = String::from_utf8_lossy(&out.stdout);
    // In the unit's language (nl-NL): the subject, the text and the letter.
    assert!(
        headers.contains("ann@x.example")
            && headers.contains("Betalingsherinnering: ")
            && headers.contains("Bijgaand vindt u onze betalingsherinnering over 1 achterstallige"),
        "{headers}"
    );
    assert!(headers.contains("reminder-"), "{headers}");
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Betalingsherinnering") && text.contains("Totaal achterstallig"),
        "{text}"
    );
}
