//! Per-key rate limits (GCRA, from `governor`) for sign-in and public POST endpoints.
//!
//! Limits are kept in each process's memory: with several processes, a client may get
//! up to the limit from each. That still bounds abuse, and needs no shared store.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::ApiError;

/// How many attempts each key may make per hour (the whole allowance may be used at once,
/// then it refills evenly).
#[derive(Debug, Clone)]
pub struct RateLimitSettings {
    /// Sign-in links requested from one IP address.
    pub sign_in_per_ip_per_hour: NonZeroU32,
    /// Sign-in links requested for one e-mail address.
    pub sign_in_per_email_per_hour: NonZeroU32,
    /// Public submissions (applications, help requests) from one IP address.
    pub public_post_per_ip_per_hour: NonZeroU32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            sign_in_per_ip_per_hour: NonZeroU32::new(30).unwrap_or(NonZeroU32::MIN),
            sign_in_per_email_per_hour: NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN),
            public_post_per_ip_per_hour: NonZeroU32::new(30).unwrap_or(NonZeroU32::MIN),
        }
    }
}

/// The limiters of one process.
#[derive(Debug)]
pub struct RateLimits {
    sign_in_ip: DefaultKeyedRateLimiter<IpAddr>,
    sign_in_email: DefaultKeyedRateLimiter<String>,
    public_post_ip: DefaultKeyedRateLimiter<IpAddr>,
}

/// Beyond this many tracked keys, keys whose allowance is full again are forgotten.
const MAX_TRACKED_KEYS: usize = 10_000;

fn check<K: Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), ApiError> {
    if limiter.len() > MAX_TRACKED_KEYS {
        limiter.retain_recent();
    }
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ApiError::TooManyRequests {
            retry_after_secs: wait.as_secs().max(1),
        }
    })
}

impl RateLimits {
    /// Limiters with the given allowances.
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self {
            sign_in_ip: RateLimiter::keyed(Quota::per_hour(settings.sign_in_per_ip_per_hour)),
            sign_in_email: RateLimiter::keyed(Quota::per_hour(settings.sign_in_per_email_per_hour)),
            public_post_ip: RateLimiter::keyed(Quota::per_hour(
                settings.public_post_per_ip_per_hour,
            )),
        }
    }

    /// One sign-in attempt, counted against both the address and the e-mail.
    pub fn sign_in(&self, ip: IpAddr, email: &str) -> Result<(), ApiError> {
        check(&self.sign_in_ip, &ip)?;
        check(&self.sign_in_email, &email.to_owned())
    }

    /// One public submission from `ip`.
    pub fn public_post(&self, ip: IpAddr) -> Result<(), ApiError> {
        check(&self.public_post_ip, &ip)
    }
}
