//! Cursor pagination turned into a [`Stream`](futures::Stream) of items: [`paginate`].

use std::future::Future;

use futures::{
    StreamExt,
    stream::{self, BoxStream},
};

use crate::error::Result;

/// One page of a cursor-paginated list: its items and the cursor of the next
/// page (`None` on the last page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T, C> {
    /// The items of this page, in order.
    pub items: Vec<T>,
    /// The cursor that fetches the next page, or `None` when this is the last.
    pub next: Option<C>,
}

impl<T, C> Page<T, C> {
    /// A page with its items and the next cursor.
    pub fn new(items: Vec<T>, next: Option<C>) -> Self {
        Self { items, next }
    }

    /// The last page: no next cursor.
    pub fn last(items: Vec<T>) -> Self {
        Self { items, next: None }
    }
}

/// Turns a cursor loop into a stream of items.
///
/// `fetch(cursor)` loads one page, starting with `first` (usually `None`);
/// the stream yields that page's items in order, then fetches the page named
/// by [`Page::next`], lazily — a page is fetched only when the items before it
/// have been consumed. The stream ends:
///
/// - when a page has no `next` cursor;
/// - when `next` is a cursor already fetched (n8n with `limit=0`, for
///   example, answers the same cursor forever), without an error;
/// - right after yielding an `Err` from `fetch`.
///
/// Empty pages are skipped over (their `next` is still followed).
///
/// ```
/// use futures::{StreamExt, TryStreamExt};
/// use trigger_sdk_core::paginate::{Page, paginate};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> trigger_sdk_core::Result<()> {
/// // Pages of two numbers from 0 to 4; the cursor is the next offset.
/// let numbers: Vec<u32> = paginate(None, |cursor: Option<u32>| async move {
///     let start = cursor.unwrap_or(0);
///     let end = (start + 2).min(5);
///     Ok(Page::new((start..end).collect(), (end < 5).then_some(end)))
/// })
/// .try_collect()
/// .await?;
/// assert_eq!(numbers, [0, 1, 2, 3, 4]);
/// # Ok(())
/// # }
/// ```
pub fn paginate<'a, T, C, F, Fut>(first: Option<C>, fetch: F) -> BoxStream<'a, Result<T>>
where
    T: Send + 'a,
    C: Clone + PartialEq + Send + 'a,
    F: FnMut(Option<C>) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Page<T, C>>> + Send + 'a,
{
    struct Cursor<C, F> {
        fetch: F,
        /// The cursor of the next fetch; `None` when the list is finished.
        next: Option<Option<C>>,
        /// Every cursor fetched so far (cursors are only `PartialEq`).
        seen: Vec<C>,
    }

    let state = Cursor {
        fetch,
        next: Some(first),
        seen: Vec::new(),
    };
    let pages = stream::unfold(state, |mut state| async move {
        let cursor = state.next.take()?;
        if let Some(cursor) = &cursor {
            state.seen.push(cursor.clone());
        }
        match (state.fetch)(cursor).await {
            Ok(page) => {
                state.next = match page.next {
                    Some(next) if state.seen.contains(&next) => {
                        tracing::debug!("pagination stopped: the next cursor repeats");
                        None
                    }
                    next => next.map(Some),
                };
                Some((Ok(page.items), state))
            }
            // `state.next` stays `None`: the stream ends after the error.
            Err(error) => Some((Err(error), state)),
        }
    });
    pages
        .flat_map(|page| match page {
            Ok(items) => stream::iter(items.into_iter().map(Ok)).left_stream(),
            Err(error) => stream::once(async move { Err(error) }).right_stream(),
        })
        .boxed()
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    };

    use futures::TryStreamExt;

    use super::*;
    use crate::Error;

    /// An in-memory fetcher: `pages[cursor]` answers a fetch of that cursor
    /// (`None` is index 0); it records every cursor it was asked for.
    #[derive(Clone)]
    struct Pages {
        pages: Arc<Vec<Result<Page<u32, usize>, String>>>,
        calls: Arc<Mutex<Vec<Option<usize>>>>,
    }

    impl Pages {
        fn new(pages: Vec<Result<Page<u32, usize>, String>>) -> Self {
            Self {
                pages: Arc::new(pages),
                calls: Arc::default(),
            }
        }

        fn fetcher(
            &self,
        ) -> impl FnMut(
            Option<usize>,
        ) -> futures::future::BoxFuture<'static, Result<Page<u32, usize>>>
        + Send
        + 'static {
            let this = self.clone();
            move |cursor| {
                let this = this.clone();
                Box::pin(async move {
                    this.calls.lock().unwrap().push(cursor);
                    match this.pages.get(cursor.unwrap_or(0)) {
                        Some(Ok(page)) => Ok(page.clone()),
                        Some(Err(message)) => Err(Error::timeout(message.clone())),
                        None => Err(Error::Config(format!("no page {cursor:?}"))),
                    }
                })
            }
        }

        fn calls(&self) -> Vec<Option<usize>> {
            self.calls.lock().unwrap().clone()
        }
    }

    #[tokio::test]
    async fn follows_next_across_several_pages_in_order() {
        let pages = Pages::new(vec![
            Ok(Page::new(vec![1, 2], Some(1))),
            Ok(Page::new(vec![3], Some(2))),
            Ok(Page::last(vec![4, 5, 6])),
        ]);
        let items: Vec<u32> = paginate(None, pages.fetcher()).try_collect().await.unwrap();
        assert_eq!(items, [1, 2, 3, 4, 5, 6]);
        assert_eq!(pages.calls(), [None, Some(1), Some(2)]);
    }

    #[tokio::test]
    async fn starts_from_the_given_cursor() {
        let pages = Pages::new(vec![
            Ok(Page::new(vec![1], Some(1))),
            Ok(Page::last(vec![2])),
        ]);
        let items: Vec<u32> = paginate(Some(1), pages.fetcher())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items, [2]);
        assert_eq!(pages.calls(), [Some(1)]);
    }

    #[tokio::test]
    async fn skips_empty_pages() {
        let pages = Pages::new(vec![
            Ok(Page::new(vec![], Some(1))),
            Ok(Page::new(vec![7], Some(2))),
            Ok(Page::new(vec![], Some(3))),
            Ok(Page::last(vec![])),
        ]);
        let items: Vec<u32> = paginate(None, pages.fetcher()).try_collect().await.unwrap();
        assert_eq!(items, [7]);
        assert_eq!(pages.calls().len(), 4);
    }

    #[tokio::test]
    async fn stops_without_error_when_the_cursor_repeats() {
        // n8n with limit=0: every page names itself as the next one.
        let pages = Pages::new(vec![
            Ok(Page::new(vec![1], Some(1))),
            Ok(Page::new(vec![2], Some(1))),
        ]);
        let items: Vec<Result<u32>> = paginate(None, pages.fetcher()).collect().await;
        let items: Vec<u32> = items.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(items, [1, 2]);
        assert_eq!(pages.calls(), [None, Some(1)]);
    }

    #[tokio::test]
    async fn stops_on_a_cycle_back_to_an_earlier_cursor() {
        let pages = Pages::new(vec![
            Ok(Page::new(vec![1], Some(1))),
            Ok(Page::new(vec![2], Some(2))),
            Ok(Page::new(vec![3], Some(1))),
        ]);
        let items: Vec<u32> = paginate(None, pages.fetcher()).try_collect().await.unwrap();
        assert_eq!(items, [1, 2, 3]);
        assert_eq!(pages.calls(), [None, Some(1), Some(2)]);
    }

    #[tokio::test]
    async fn yields_the_error_mid_way_then_ends() {
        let pages = Pages::new(vec![
            Ok(Page::new(vec![1, 2], Some(1))),
            Err("page 2 timed out".into()),
            Ok(Page::last(vec![3])),
        ]);
        let results: Vec<Result<u32>> = paginate(None, pages.fetcher()).collect().await;
        assert_eq!(results.len(), 3);
        assert_eq!(results[0].as_ref().ok(), Some(&1));
        assert_eq!(results[1].as_ref().ok(), Some(&2));
        assert!(
            matches!(&results[2], Err(Error::Timeout { message: m, .. }) if m == "page 2 timed out")
        );
        assert_eq!(pages.calls(), [None, Some(1)]);
    }

    #[tokio::test]
    async fn fetches_lazily() {
        let fetches = Arc::new(AtomicUsize::new(0));
        let counter = fetches.clone();
        let mut stream = paginate(None, move |cursor: Option<u32>| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move {
                let page = cursor.unwrap_or(0);
                Ok(Page::new(vec![page * 10, page * 10 + 1], Some(page + 1)))
            }
        });
        assert_eq!(fetches.load(Ordering::SeqCst), 0);
        assert_eq!(stream.next().await.unwrap().unwrap(), 0);
        assert_eq!(stream.next().await.unwrap().unwrap(), 1);
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert_eq!(stream.next().await.unwrap().unwrap(), 10);
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }
}
