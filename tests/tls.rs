//! HTTPS with a bureau's private certificate authority: a channel or SMS gateway served over TLS
//! on 127.0.0.1 with a certificate from a CA made in the test is trusted with the profile's
//! `ca_file` (sms.toml's for the gateway), and refused without it.

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rightsdesk::config;
use rightsdesk::domain::effect::{Effect, EffectKind};
use rightsdesk::domain::ticket::TicketId;
use rightsdesk::sync::http::{Channel, HttpChannel, SecretSource, SmsGateway, SyncError};
use rightsdesk::sync::tls;
use rightsdesk::time::Timestamp;
use serde_json::json;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

const NOW: &str = "2026-11-28T10:00:00+08:00";

/// A CA of our own and a server certificate for 127.0.0.1 signed by it: (CA PEM, server
/// certificate DER, server key DER).
fn private_ca() -> (String, Vec<u8>, Vec<u8>) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "佛山市顺德区市场监督管理局 内部 CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let cert = server.signed_by(&key, &ca).unwrap();
    (ca.pem(), cert.der().to_vec(), key.serialize_der())
}

/// A TLS listener for axum: accepts TCP, then the handshake (a failed one is dropped).
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, peer)) = self.tcp.accept().await else { continue };
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, peer);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// A gateway-shaped channel and an SMS gateway over HTTPS on 127.0.0.1; its base URL.
async fn https_server(cert: Vec<u8>, key: Vec<u8>) -> String {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.into()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(key)),
        )
        .unwrap();
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("https://127.0.0.1:{}", tcp.local_addr().unwrap().port());
    let page = json!({"resultCode": "0000", "resultMsg": "成功", "data": {"totalCount": 1, "pageNo": 1, "list": [{
        "orderNo": "RMW202611280001", "orderType": "投诉", "acceptTime": "2026/11/28 09:30:00",
        "street": "大良", "contactName": "陈美玲", "contactPhone": "13902851234", "contactAddr": "",
        "targetName": "佛山市顺德区大良某某电器商行", "targetCreditCode": "", "targetAddr": "",
        "subject": "空调安装后漏水，商家拒绝上门维修", "demand": "要求上门维修", "content": "8月购买的空调安装后漏水。",
        "involvedAmount": "3299.00", "categoryName": "家用电器", "problemType": "售后服务"
    }]}});
    let app = Router::new()
        .route(
            "/rmw/gateway/workorders",
            get(move |headers: HeaderMap| {
                let page = page.clone();
                async move {
                    match headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
                        Some("sim-rmw-key") => axum::Json(page),
                        _ => axum::Json(json!({"resultCode": "1001", "resultMsg": "appKey无效"})),
                    }
                }
            }),
        )
        .route("/sms/send", post(|| async { axum::Json(json!({"code": 0, "msg": "ok"})) }));
    let listener = TlsListener { tcp, acceptor: TlsAcceptor::from(Arc::new(config)) };
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

#[tokio::test]
async fn tls_with_a_private_ca() {
    let (ca_pem, cert, key) = private_ca();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("bureau-ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let base = https_server(cert, key).await;
    let now = Timestamp::parse(NOW).unwrap();

    let shipped = config::load(None).unwrap().channels.get("rmw").and_then(|c| c.sync.clone()).unwrap();
    let mut profile = shipped.clone();
    profile.base_url = format!("{base}/rmw");
    let plain = reqwest::Client::builder().no_proxy().build().unwrap();

    // Without the bureau's CA the certificate is not trusted: a network failure, nothing read.
    let untrusting = HttpChannel::new("rmw", &profile, plain.clone(), &SecretSource::Simulator).unwrap();
    match untrusting.pull(None, now).await {
        Err(SyncError::Network(_)) => {}
        other => panic!("an unknown CA must be refused, got {other:?}"),
    }

    profile.ca_file = Some(ca_file.display().to_string());
    let trusting = HttpChannel::new("rmw", &profile, plain, &SecretSource::Simulator).unwrap();
    let pulled = trusting.pull(None, now).await.expect("trusted with ca_file");
    assert_eq!(pulled.page.tickets.len(), 1);
    let ticket = &pulled.page.tickets[0];
    assert_eq!(ticket.intake.channel_ticket_id, "RMW202611280001");
    assert_eq!(ticket.intake.received_at.map(|t| t.rfc3339()).as_deref(), Some("2026-11-28T09:30:00+08:00"));

    // The SMS gateway the same way (sms.toml's ca_file).
    let sms = Effect {
        kind: EffectKind::Sms,
        key: "sms:dispatch:7".into(),
        ticket: TicketId(7),
        channel: "rmw".into(),
        channel_ticket_id: "RMW202611280001".into(),
        to: Some("0757-22223333".into()),
        text: "【顺德区市场监管局】工单#7（投诉）已派至大良分局，请签收办理。".into(),
        amount_recovered: None,
        at: now,
    };
    let untrusting = SmsGateway::new(&base, "t".into(), tls::client(None, "the SMS gateway").unwrap());
    assert!(matches!(untrusting.send(&sms).await, Err(SyncError::Network(_))));
    let ca = ca_file.display().to_string();
    let trusting = SmsGateway::new(&base, "t".into(), tls::client(Some(&ca), "the SMS gateway").unwrap());
    trusting.send(&sms).await.expect("trusted with ca_file");

    // A ca_file that is not a certificate is a configuration mistake named at start.
    let bogus = dir.path().join("not-a-ca.pem");
    std::fs::write(&bogus, "这不是证书").unwrap();
    profile.ca_file = Some(bogus.display().to_string());
    let client = reqwest::Client::new();
    match HttpChannel::new("rmw", &profile, client, &SecretSource::Simulator) {
        Err(SyncError::Invalid(what)) => assert!(what.contains("not-a-ca.pem"), "{what}"),
        Err(other) => panic!("expected Invalid, got {other:?}"),
        Ok(_) => panic!("a bogus ca_file was accepted"),
    }
}
