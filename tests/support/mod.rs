// Each test file uses a part of these helpers; the rest is not dead, just elsewhere.
#[allow(dead_code)]
pub mod proxy;
#[allow(dead_code)]
pub mod scripted;
#[allow(dead_code)]
pub mod sim;
#[allow(dead_code)]
pub mod tls;
