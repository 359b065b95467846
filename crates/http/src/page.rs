//! Pagination shared by every list endpoint: `?page=1&per_page=50`, answered with the
//! items and the total so that clients can show "page 2 of 7".

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Largest page a client may ask for.
pub const MAX_PER_PAGE: u32 = 200;

/// Default page size.
pub const DEFAULT_PER_PAGE: u32 = 50;

/// `?page=&per_page=` of list endpoints.
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1 (default 1).
    #[param(minimum = 1, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub per_page: Option<u32>,
}

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Page number, from 1.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
}

impl PageRequest {
    /// Rows to skip.
    pub fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    /// Rows to read.
    pub fn limit(self) -> i64 {
        i64::from(self.per_page)
    }
}

impl PageQuery {
    /// Checks the bounds; out-of-range values are a `422` naming the parameter.
    pub fn validate(self) -> Result<PageRequest, crate::ApiError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        let mut errors = Vec::new();
        if page == 0 {
            errors.push(crate::FieldError {
                path: "?page".into(),
                code: "page.invalid".into(),
                message: "Le numéro de page commence à 1.".into(),
            });
        }
        if per_page == 0 || per_page > MAX_PER_PAGE {
            errors.push(crate::FieldError {
                path: "?per_page".into(),
                code: "per_page.invalid".into(),
                message: format!(
                    "Le nombre d'éléments par page doit être compris entre 1 et {MAX_PER_PAGE}."
                ),
            });
        }
        if errors.is_empty() {
            Ok(PageRequest { page, per_page })
        } else {
            Err(crate::ApiError::Validation(errors))
        }
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    /// The items of this page.
    pub items: Vec<T>,
    /// This page's number, from 1.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
    /// Items over all pages.
    pub total: i64,
}

impl<T: ToSchema> Page<T> {
    /// Wraps a page of items.
    pub fn new(items: Vec<T>, request: PageRequest, total: i64) -> Self {
        Self {
            items,
            page: request.page,
            per_page: request.per_page,
            total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_checked() {
        let ok = PageQuery {
            page: Some(3),
            per_page: Some(20),
        }
        .validate()
        .unwrap();
        assert_eq!((ok.offset(), ok.limit()), (40, 20));
        let defaults = PageQuery {
            page: None,
            per_page: None,
        }
        .validate()
        .unwrap();
        assert_eq!(
            defaults,
            PageRequest {
                page: 1,
                per_page: DEFAULT_PER_PAGE
            }
        );
        assert!(PageQuery {
            page: Some(0),
            per_page: None
        }
        .validate()
        .is_err());
        assert!(PageQuery {
            page: None,
            per_page: Some(201)
        }
        .validate()
        .is_err());
    }
}
