//! [`RunsClient::run_many`]: many runs with bounded concurrency.

use futures::{StreamExt, stream};

use trigger_sdk_core::Result;

use crate::{client::RunsClient, handle::RunsHandle, model::RunRequest};

impl RunsClient {
    /// Starts many runs, at most `concurrency` requests in flight, and
    /// returns each item's handle or error, in the order of `runs`.
    ///
    /// Each item carries its own idempotency key (the one in its
    /// [`RunRequest`], or a generated one), so each request may be retried
    /// safely on its own. To be able to resubmit a whole batch after a crash
    /// without starting anything twice, derive the keys from what the items
    /// are (an order id), as in the crate example. Set an execute rate limit
    /// on the client ([`crate::RateLimits::published_execute`]) to stay under
    /// the API's 500 runs per minute instead of collecting 429s.
    pub async fn run_many<I, W>(&self, runs: I, concurrency: usize) -> Vec<Result<RunsHandle>>
    where
        I: IntoIterator<Item = (W, RunRequest)>,
        W: Into<String>,
    {
        stream::iter(runs)
            .map(|(workflow_id, request)| {
                let workflow_id = workflow_id.into();
                async move { self.run(&workflow_id, request).await }
            })
            .buffered(concurrency.max(1))
            .collect()
            .await
    }
}
