//! A browser's User-Agent in words for the user's list of their sessions:
//! "Chrome · Windows", or the raw text shortened when it is not recognised.

/// Browser and system named from `ua`; `None` when neither is recognised.
pub fn describe(ua: &str) -> Option<String> {
    let has = |s: &str| ua.contains(s);
    let browser = if has("MicroMessenger/") {
        Some("WeChat")
    } else if has("Edg/") || has("EdgA/") || has("EdgiOS/") {
        Some("Edge")
    } else if has("OPR/") || has("Opera") {
        Some("Opera")
    } else if has("Firefox/") || has("FxiOS/") {
        Some("Firefox")
    } else if has("Chrome/") || has("CriOS/") || has("Chromium/") {
        Some("Chrome")
    } else if has("Safari/") && has("Version/") {
        Some("Safari")
    } else if has("curl/") {
        Some("curl")
    } else {
        None
    };
    let system = if has("Windows") {
        Some("Windows")
    } else if has("Android") {
        Some("Android")
    } else if has("iPhone") || has("iPad") || has("iPod") {
        Some("iOS")
    } else if has("CrOS") {
        Some("ChromeOS")
    } else if has("Mac OS X") || has("Macintosh") {
        Some("macOS")
    } else if has("HarmonyOS") {
        Some("HarmonyOS")
    } else if has("Linux") {
        Some("Linux")
    } else {
        None
    };
    match (browser, system) {
        (Some(b), Some(s)) => Some(format!("{b} · {s}")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
        (None, None) => None,
    }
}

/// The raw text cut to `max` characters (with "…" when cut).
pub fn shorten(ua: &str, max: usize) -> String {
    let ua = ua.trim();
    if ua.chars().count() <= max {
        return ua.to_owned();
    }
    let mut s: String = ua.chars().take(max).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_browsers_are_named() {
        let chrome_win = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe(chrome_win).as_deref(), Some("Chrome · Windows"));
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
        assert_eq!(describe(edge).as_deref(), Some("Edge · Windows"));
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe(iphone).as_deref(), Some("Safari · iOS"));
        let wechat = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/116.0 Mobile Safari/537.36 MicroMessenger/8.0.40";
        assert_eq!(describe(wechat).as_deref(), Some("WeChat · Android"));
        let firefox = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe(firefox).as_deref(), Some("Firefox · Linux"));
        assert_eq!(describe("mac app"), None);
        assert_eq!(describe(""), None);
    }

    #[test]
    fn unknown_agents_are_shortened() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("一二三四五六", 5), "一二三四五…");
    }
}
