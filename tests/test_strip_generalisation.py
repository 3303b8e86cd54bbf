"""Generalisation probes for the plain-text strip stage.

Every probe is invented (none is copied from the evaluation sets): a short news story of four
paragraphs on a made-up page, with one noise line in the phrasing some real news site uses, put
in one of four places: under the headline (``top``), between the first two paragraphs
(``middle``), after the last paragraph (``bottom``) or, for captions, glued to the end of the
first paragraph (``glued``).  Each probe asserts that the noise is gone (with a kind that says
what it is) and that every article paragraph and the headline survive.  The negative probes put
an article sentence that merely contains a trigger word ("share", "advertise", "read more",
"cookies" ...) between the paragraphs: it must stay.

The probe pass rate is reported in benchmarks/results/text.md ("Generalisation probes").
"""
from __future__ import annotations

import pytest
from test_strip_text import _kind_of  # the kind of the removed span that covers a snippet

from cleaner.strip.text import Stripped, strip_text

HEADLINE = "Drought leaves Kell reservoir at its lowest level in fifty years"
P1 = ("The reservoir that supplies the town of Kell and eleven surrounding villages has fallen to 18 per "
      "cent of its capacity, the regional water board said on Wednesday, the lowest reading since records began.")
P2 = ("Engineers said the intake tower, which normally stands in twelve metres of water, was now visible "
      "to its foundations, and that the board would start pumping from an old quarry lake next week.")
P3 = ("Farmers in the valley have been told they may not irrigate between eight in the morning and eight "
      "in the evening, a rule that the local growers' association called unworkable in the middle of the harvest.")
P4 = ("The board's chairwoman, Ilse Marten, said a pipeline from the river Dorn would be finished by 2027, "
      "but added that households should expect restrictions for at least two more summers.")
PARAGRAPHS = (P1, P2, P3, P4)


def page(top: str = "", middle: str = "", bottom: str = "", glued: str = "", later: str = "") -> str:
    """A flattened news page with the noise in the given places (empty: none there)."""
    parts = [
        "The Kell Courier",
        "News  Sport  Business  Opinion",
        HEADLINE,
        "By Mara Lindqvist",
        top,
        P1 + (" " + glued if glued else ""),
        middle,
        P2,
        later,
        P3,
        P4,
        bottom,
        "About us",
        "Contact",
        "Privacy policy",
    ]
    return "\n\n".join(p for p in parts if p)


# Structure-level kinds: outside the article body a line may go as page chrome rather than by its
# own rule; that is still removed for the right reason (it is not part of the article).
_OUTSIDE = {"site_header", "site_footer", "navigation", "headline_list", "standfirst", "boilerplate_repeated"}

SEE_ALSO = {"see_also", "headline_list"}
SHARE = {"share_subscribe"}
AD = {"advertisement"}
CREDIT = {"photo_credit"}
COPYRIGHT = {"copyright"}
BYLINE = {"byline", "attribution"}
SYNDICATION = {"syndication_notice", "attribution"}
COMMENTS = {"comment_form"}
COOKIES = {"cookie_banner"}
PAYWALL = {"share_subscribe", "paywall"}
READING = {"reading_time", "share_subscribe"}
DATE = {"dateline"}
NAV = {"navigation"}

# (noise line, acceptable kinds)
NOISE: list[tuple[str, set[str]]] = [
    # ------------------------------------------------------------ see also / related
    ("READ MORE: Farmers turn to drip irrigation as rivers run low", SEE_ALSO),
    ("Also read | Why the Dorn pipeline is two years late", SEE_ALSO),
    ("More on this story", SEE_ALSO),
    ("Recommended: How the 1976 drought changed the valley", SEE_ALSO),
    ("You may also like", SEE_ALSO),
    ("Trending now", SEE_ALSO),
    ("Most read", SEE_ALSO),
    ("RELATED: Water board fined over leaking mains", SEE_ALSO),
    ("Related Articles", SEE_ALSO),
    ("SEE ALSO: Heatwave warning extended to the weekend", SEE_ALSO),
    ("Read next: The villages that still draw water from wells", SEE_ALSO),
    ("[Read more: Drought forces rationing in three provinces]", SEE_ALSO),
    ("READ MORE | Heatwave warning extended to the weekend", SEE_ALSO),
    ("Further reading: A short history of the Kell dam", SEE_ALSO),
    ("WATCH: Aerial footage of the empty reservoir", SEE_ALSO),
    ("Read more:", SEE_ALSO),
    ("Read More", SEE_ALSO),
    ("Related stories", SEE_ALSO),
    ("More from The Kell Courier", SEE_ALSO),
    ("Don't miss: The best walks around the reservoir", SEE_ALSO),
    ("What to read next", SEE_ALSO),
    ("Also on Kell Courier: Ten ways to save water at home", SEE_ALSO),
    ("MORE: Water board to meet on Friday", SEE_ALSO),
    ("Recommended Stories", SEE_ALSO),
    ("Popular now", SEE_ALSO),
    ("Top stories", SEE_ALSO),
    ("Also Read: Farmers turn to drip irrigation", SEE_ALSO),
    ("Read also: Farmers turn to drip irrigation", SEE_ALSO),
    ("Read more about the drought", SEE_ALSO),
    ("Click here to read more about the drought", SEE_ALSO),
    ("Related coverage", SEE_ALSO),
    ("In pictures: Kell's reservoir runs dry", SEE_ALSO),
    ("Listen: The drought explained in ten minutes", SEE_ALSO),
    # ------------------------------------------------------------ share / follow / newsletter
    ("Share this: Facebook Twitter LinkedIn Email", SHARE),
    ("Share on Facebook Share on Twitter Share via Email", SHARE),
    ("Facebook Twitter WhatsApp Email", SHARE),
    ("Share this article", SHARE),
    ("Share", SHARE),
    ("Tweet Share Email", SHARE),
    ("Sign up for our daily newsletter", SHARE),
    ("Sign up to our free morning newsletter", SHARE),
    ("Get the latest headlines delivered to your inbox every morning.", SHARE),
    ("Subscribe to our newsletter", SHARE),
    ("Follow us on Twitter and Instagram", SHARE),
    ("Follow The Kell Courier on Facebook", SHARE),
    ("Click to share on WhatsApp (Opens in new window)", SHARE),
    ("Download our app for breaking news alerts", SHARE),
    ("Email this article", SHARE),
    ("Like this story? Share it with a friend.", SHARE),
    ("Enjoying this article? Sign up for our newsletter.", SHARE),
    ("Newsletter sign-up", SHARE),
    ("Get our newsletter", SHARE),
    ("Print this article", SHARE),
    ("Copy link", SHARE),
    # ------------------------------------------------------------ advertisement
    ("Advertisement - Scroll to continue", AD),
    ("Sponsored", AD),
    ("AD", AD),
    ("- Advertisement -", AD),
    ("ADVERTISEMENT", AD),
    ("Story continues below advertisement", AD),
    ("Article continues below", AD),
    ("The article continues after this ad", AD),
    ("Advertisement · Scroll to continue", AD),
    ("Paid Content", AD),
    ("Continue reading the main story", AD),
    ("Advertisement:", AD),
    ("SPONSORED CONTENT", AD),
    ("Story continues below", AD),
    ("Ad", AD),
    # ------------------------------------------------------------ photo credits, whole lines
    ("Getty Images", CREDIT),
    ("Photograph: Jane Doe/AFP via Getty Images", CREDIT),
    ("REUTERS/Jane Doe", CREDIT),
    ("Photo: Jane Doe", CREDIT),
    ("Credit: Jane Doe/The Kell Courier", CREDIT),
    ("(Photo by Jane Doe/Getty Images)", CREDIT),
    ("File photo", CREDIT),
    ("Image: Supplied", CREDIT),
    ("Picture: AAP Image/Jane Doe", CREDIT),
    ("Photo courtesy of the Kell Water Board", CREDIT),
    ("(AFP via Getty Images)", CREDIT),
    ("AFP via Getty Images", CREDIT),
    ("Jane Doe/Getty Images", CREDIT),
    ("Photo by Jane Doe on Unsplash", CREDIT),
    ("Image 1 of 5", CREDIT),
    ("(Photo: Jane Doe / The Kell Courier)", CREDIT),
    ("Photo credit: Jane Doe", CREDIT),
    ("A dried-up reservoir near the village of Kell. REUTERS/Jane Doe", CREDIT),
    ("A dried-up reservoir near the village of Kell on July 3, 2024. (Photo by Jane Doe/AFP via Getty Images)", CREDIT),
    ("A farmer walks across a cracked field outside Kell. Photograph: Jane Doe/AP", CREDIT),
    ("A dried-up reservoir near Kell. (File photo)", CREDIT),
    ("A dried-up reservoir near Kell | Photo: Jane Doe", CREDIT),
    ("A dried-up reservoir near Kell. Credit: Jane Doe", CREDIT),
    ("A dried-up reservoir near Kell. Image: Getty Images", CREDIT),
    ("The dam wall at dawn. AFP via Getty Images", CREDIT),
    ("The dam wall at dawn. Photo by Jane Doe on Unsplash", CREDIT),
    ("The dam wall at dawn. (AP Photo/Jane Doe)", CREDIT),
    ("The dam wall at dawn. Jane Doe/Getty Images", CREDIT),
    ("The dam wall at dawn. Photo: Jane Doe/Kell Courier", CREDIT),
    ("The dam wall at dawn (Jane Doe/Reuters)", CREDIT),
    # ------------------------------------------------------------ wire credits and copyright
    ("Copyright 2024 The Associated Press. All rights reserved.", COPYRIGHT),
    ("© Reuters", COPYRIGHT),
    ("© 2024 Kell Media Group", COPYRIGHT),
    ("Copyright Thomson Reuters 2024", COPYRIGHT),
    ("This material may not be published, broadcast, rewritten or redistributed.", COPYRIGHT),
    ("Reporting by Jane Doe; Editing by John Roe", BYLINE),
    ("Reporting by Jane Doe in Kell; additional reporting by Ann Lee in Dorn; Editing by John Roe", BYLINE),
    ("(Reporting by Jane Doe; Editing by John Roe)", BYLINE),
    ("Writing by Jane Doe; editing by John Roe", BYLINE),
    ("Reporting by Jane Doe, editing by John Roe", BYLINE),
    ("The Associated Press contributed to this report.", BYLINE),
    # ------------------------------------------------------------ syndication notices
    ("This story was produced by Kell Water Watch and republished with permission.", SYNDICATION),
    ("This article first appeared on Kell Water Watch and is republished here under a Creative Commons license.",
     SYNDICATION),
    ("This article was originally published on The Valley Review.", SYNDICATION),
    ("Republished with permission from Kell Water Watch.", SYNDICATION),
    ("Distributed by Tribune Content Agency, LLC.", SYNDICATION),
    ("This story originally appeared in the Valley Review.", SYNDICATION),
    ("This article is republished from The Valley Review under a Creative Commons license. Read the original article.",
     SYNDICATION),
    ("©2024 The Valley Review. Visit valleyreview.com. Distributed by Tribune Content Agency, LLC.",
     SYNDICATION | COPYRIGHT),
    ("This story has been published from a wire agency feed without modifications to the text.", SYNDICATION),
    ("(This story has not been edited by Kell Courier staff and is auto-generated from a syndicated feed.)",
     SYNDICATION),
    ("Originally published on The Valley Review", SYNDICATION),
    # ------------------------------------------------------------ comments
    ("Join the conversation", COMMENTS),
    ("Comments are closed.", COMMENTS),
    ("Leave a comment", COMMENTS),
    ("12 comments", COMMENTS),
    ("View comments", COMMENTS),
    ("Comments (12)", COMMENTS | SHARE),
    ("Have your say", COMMENTS),
    ("Show comments", COMMENTS),
    ("Comments", COMMENTS),
    ("Be the first to comment", COMMENTS),
    ("What do you think? Leave a comment below.", COMMENTS),
    ("Commenting is disabled for this article.", COMMENTS),
    # ------------------------------------------------------------ cookies / consent
    ("We use cookies to ensure you get the best experience on our website. Learn more", COOKIES),
    ("This website uses cookies. By continuing to browse the site you are agreeing to our use of cookies.", COOKIES),
    ("By clicking “Accept All Cookies”, you agree to the storing of cookies on your device to enhance site navigation.",
     COOKIES),
    ("We and our partners use cookies to personalise ads and measure traffic.", COOKIES),
    ("This site uses cookies to improve your experience. Accept Reject Read more", COOKIES),
    ("Cookie settings", COOKIES | NAV),
    ("Accept all cookies", COOKIES),
    ("Manage consent", COOKIES),
    ("We care about your privacy", COOKIES),
    # ------------------------------------------------------------ paywall / membership
    ("Subscribe to continue reading", PAYWALL),
    ("Already a subscriber? Log in", PAYWALL),
    ("Already have an account? Sign in", PAYWALL),
    ("This article is for subscribers only.", PAYWALL),
    ("Get unlimited access to all our journalism for $1 a week.", PAYWALL),
    ("You have reached your limit of free articles this month.", PAYWALL),
    ("Support independent journalism. Donate today.", PAYWALL),
    ("Subscribe now for unlimited access", PAYWALL),
    ("Become a member", PAYWALL),
    # ------------------------------------------------------------ reading time
    ("5 min read", READING),
    ("Reading time: 4 minutes", READING),
    ("4 minute read", READING),
    ("Estimated reading time: 3 minutes", READING),
    ("Listen to this article", READING),
    ("Listen to this article 5 min", READING),
    # ------------------------------------------------------------ time stamps
    ("Updated 14:32 GMT, 3 July 2024", DATE),
    ("Published July 3, 2024 at 9:14 a.m. ET", DATE),
    ("Last updated: 3 July 2024", DATE),
    ("Updated: 07/03/2024 09:14 AM EDT", DATE),
    ("Posted 2 hours ago", DATE),
    ("July 3, 2024", DATE),
    ("Wed 3 Jul 2024 09.14 BST", DATE),
    ("Published: 3 July 2024", DATE),
    # ------------------------------------------------------------ breadcrumbs and tags
    ("Home > News > World", NAV),
    ("Home / News / Environment", NAV),
    ("Home » Local » Kell", NAV),
    ("You are here: Home > News", NAV),
    ("Topics: Drought, Water, Kell", NAV),
    ("Tags: drought, water, climate", NAV),
    ("Filed under: Environment", NAV),
    ("Related topics", NAV | SEE_ALSO),
]

# A second batch, written after the first batch's fixes and measured before any fix for it (the
# "held-out" figure in benchmarks/results/text.md).
NOISE += [
    ("Related: Kell's mayor calls emergency meeting", SEE_ALSO),
    ("MORE FROM THE COURIER", SEE_ALSO),
    ("Read the full story", SEE_ALSO),
    ("Keep reading", SEE_ALSO),
    ("ALSO READ: Dorn pipeline contract signed", SEE_ALSO),
    ("Editor's picks", SEE_ALSO),
    ("You might also like", SEE_ALSO),
    ("More stories", SEE_ALSO),
    ("Latest news", SEE_ALSO),
    ("Read more stories like this", SEE_ALSO),
    ("See more: Kell drought in pictures", SEE_ALSO),
    ("Suggested reading", SEE_ALSO),
    ("More in Environment", SEE_ALSO),
    ("Sign up for Morning Brief, our free daily email.", SHARE),
    ("Get breaking news alerts on your phone", SHARE),
    ("Follow us", SHARE),
    ("Share via", SHARE),
    ("Share article", SHARE),
    ("WhatsApp", SHARE),
    ("Subscribe for free", SHARE),
    ("Sign up", SHARE),
    ("Thank you for signing up!", SHARE),
    ("Advertisement Continue reading below", AD),
    ("ADVERTISING", AD),
    ("Sponsored by Kell Savings Bank", AD),
    ("Promoted Content", AD),
    ("Content continues below", AD),
    ("REMOVE ADS", AD),
    ("Photo by Jane Doe", CREDIT),
    ("Images: Getty", CREDIT),
    ("Photograph: Jane Doe", CREDIT),
    ("Jane Doe / AFP", CREDIT),
    ("Picture: Jane Doe", CREDIT),
    ("(Credit: Jane Doe)", CREDIT),
    ("Photo: AP", CREDIT),
    ("A cracked field near Kell. (Jane Doe/The Kell Courier via AP)", CREDIT),
    ("The dam at dawn. Photo / Jane Doe", CREDIT),
    ("All rights reserved.", COPYRIGHT),
    ("© 2024 The Kell Courier. All rights reserved.", COPYRIGHT),
    ("Copyright © 2024 Kell Media Group Ltd", COPYRIGHT),
    ("Editing by John Roe", BYLINE),
    ("Additional reporting by Ann Lee.", BYLINE),
    ("Jane Doe contributed reporting from Dorn.", BYLINE),
    ("This article was first published by the Valley Review.", SYNDICATION),
    ("A version of this story first appeared in the Valley Review.", SYNDICATION),
    ("This story is published in partnership with Kell Water Watch.", SYNDICATION),
    ("This content was produced by Kell Water Watch and is republished with permission.", SYNDICATION),
    ("Reprinted with permission from the Valley Review.", SYNDICATION),
    ("Read the original article on Valley Review.", SYNDICATION | SEE_ALSO),
    ("Comments are closed", COMMENTS),
    ("Post a comment", COMMENTS),
    ("0 comments", COMMENTS),
    ("Show comments (4)", COMMENTS),
    ("Log in to comment", COMMENTS),
    ("We use cookies to personalise content and ads.", COOKIES),
    ("By using this site, you agree to our use of cookies.", COOKIES),
    ("Do not sell or share my personal information", COOKIES | NAV),
    ("Continue reading with a subscription", PAYWALL),
    ("Subscribe to read the full story", PAYWALL),
    ("Log in or subscribe to continue reading.", PAYWALL),
    ("Subscribers only", PAYWALL),
    ("Register for free to continue reading", PAYWALL),
    ("3-minute read", READING),
    ("Read time: 2 min", READING),
    ("Updated on 3 July 2024", DATE),
    ("First published on Wed 3 Jul 2024 09.14 BST", DATE),
    ("3 July 2024, 09:14", DATE),
    ("Last modified on Thu 4 Jul 2024 11.02 BST", DATE),
    ("Yesterday at 9:14 AM", DATE),
    ("News / World / Europe", NAV),
    ("World › Europe", NAV),
    ("Tagged: drought, water", NAV),
    ("Categories: Environment, Local", NAV),
]

# A fourth batch, also measured before its fixes.
CONTACT = {"byline", "attribution", "share_subscribe", "navigation"}
NOISE += [
    ("Click here to subscribe to our YouTube channel", SHARE),
    ("Get the app", SHARE),
    ("Download the Kell Courier app", SHARE),
    ("Stay informed: sign up for our newsletter", SHARE),
    ("Want more news like this? Subscribe today.", SHARE),
    ("Don't miss out! Subscribe to our newsletter.", SHARE),
    ("Bookmark", SHARE),
    ("Save article", SHARE),
    ("Gift this article", SHARE),
    ("Watch Now", SEE_ALSO | SHARE),
    ("PHOTOS: The reservoir through the years", SEE_ALSO),
    ("RELATED CONTENT", SEE_ALSO),
    ("More Coverage", SEE_ALSO),
    ("Read Full Article", SEE_ALSO),
    ("Continue Reading Below", AD | SEE_ALSO),
    ("Article continues below this ad", AD),
    ("Ad Feedback", AD),
    ("Story continues after advertisement", AD),
    ("Scroll down to continue reading", AD),
    ("Credit: Getty Images", CREDIT),
    ("Image source, Getty Images", CREDIT),
    ("Image caption, The dam at dawn on Wednesday", CREDIT),
    ("Courtesy of the Kell Water Board", CREDIT),
    ("© Jane Doe", CREDIT | COPYRIGHT),
    ("Photo illustration by Jane Doe", CREDIT),
    ("Our Standards: The Thomson Reuters Trust Principles.", COPYRIGHT | SYNDICATION | NAV),
    ("Write to Jane Doe at jane.doe@kellcourier.com", CONTACT),
    ("Contact the reporter at jdoe@kellcourier.com.", CONTACT),
    ("Have a news tip? Email us at tips@kellcourier.com", CONTACT),
    ("Report an error", NAV | CONTACT),
    ("Published 3 hours ago", DATE),
    ("Posted on July 3, 2024 by Jane Doe", DATE | BYLINE),
    ("Updated July 3, 2024 9:14 a.m. ET", DATE),
    ("Story by Jane Doe", BYLINE),
    ("By Jane Doe and John Roe, Associated Press", BYLINE),
    ("Accept and continue", COOKIES),
    ("Privacy Preference Center", COOKIES),
    ("Comments have been disabled for this article.", COMMENTS),
    ("Sort by: Newest", COMMENTS),
    ("Sign in to join the conversation", COMMENTS),
    ("Log in to leave a comment", COMMENTS),
    ("Start the conversation", COMMENTS),
    ("Add your comment", COMMENTS),
    ("Print page", SHARE),
    ("Font size", SHARE | NAV),
]

# A fifth batch, measured before its fixes.
WIRE = {"byline", "attribution", "copyright", "photo_credit", "syndication_notice"}
NOISE += [
    ("Sign up to receive our free newsletter", SHARE),
    ("Subscribe to The Kell Courier", SHARE),
    ("Click here to sign up", SHARE),
    ("Get the latest from The Kell Courier in your inbox", SHARE),
    ("Follow @KellCourier", SHARE),
    ("Join our WhatsApp channel", SHARE),
    ("Our journalism needs your support", PAYWALL),
    ("Already registered? Sign in", PAYWALL),
    ("Start your free trial", PAYWALL),
    ("Unlimited digital access", PAYWALL),
    ("Sponsored Links", AD),
    ("Paid Post", AD),
    ("Advertisement Feature", AD),
    ("Promoted by Kell Savings Bank", AD),
    ("We may earn a commission when you buy through links on our site.", AD),
    ("This post may contain affiliate links.", AD),
    ("Photo: Getty Images/iStockphoto", CREDIT),
    ("Getty Images/iStockphoto", CREDIT),
    ("Photographer: Jane Doe/Bloomberg", CREDIT),
    ("Illustration: Jane Doe", CREDIT),
    ("© 2024 Kell Media Group. All Rights Reserved.", COPYRIGHT),
    ("Copyright © 2024, Kell Courier", COPYRIGHT),
    ("Reuters", WIRE),
    ("— Associated Press", WIRE),
    ("Agence France-Presse", WIRE),
    ("This article originally ran on Kell Water Watch.", SYNDICATION),
    ("Originally published at valleyreview.com", SYNDICATION),
    ("Report abuse", COMMENTS),
    ("Load more comments", COMMENTS),
    ("Newest first", COMMENTS),
    ("Your privacy choices", COOKIES | NAV),
    ("Reject all", COOKIES),
    ("This site uses cookies from Google to deliver its services and to analyse traffic.", COOKIES),
    ("We use cookies and similar technologies on our website.", COOKIES),
    ("Approx. 4 min read", READING),
    ("2 min listen", READING),
    ("Sat, Jul 6, 2024, 9:14 AM", DATE),
    ("July 3, 2024 | 9:14 AM", DATE),
    ("Skip to content", NAV),
    ("Back to top", NAV),
    ("Toggle navigation", NAV),
    ("Privacy Policy | Terms of Use", NAV),
    ("About Us | Contact | Careers", NAV),
]

# Captions with their credit, glued to the end of a paragraph (the paragraph stays, the caption goes).
GLUED = [
    "A dried-up reservoir near the village of Kell. REUTERS/Jane Doe",
    "A dried-up reservoir near the village of Kell on July 3, 2024. (Photo by Jane Doe/AFP via Getty Images)",
    "A farmer walks across a cracked field outside Kell. Photograph: Jane Doe/AP",
    "A dried-up reservoir near Kell. (File photo)",
    "A dried-up reservoir near Kell. Credit: Jane Doe",
    "The dam wall at dawn. AFP via Getty Images",
    "The dam wall at dawn. (AP Photo/Jane Doe)",
    "The dam wall at dawn. Jane Doe/Getty Images",
    "The dam wall at dawn. Photo: Jane Doe/Kell Courier",
    "The dam wall at dawn. (Jane Doe/Reuters)",
    "The dam wall at dawn. Getty Images",
    "The dam wall at dawn. (Image: Jane Doe)",
]

GLUED += [
    "The dam at dawn. (Jane Doe/The Kell Courier via AP)",
    "The dam at dawn. REUTERS/Stringer",
    "The dam at dawn. Photograph: Jane Doe",
    "The dam at dawn. Photo by Jane Doe",
    "The dam at dawn (Credit: Jane Doe)",
]

# Article sentences that contain a trigger word; each must be kept.
NEGATIVE = [
    "Officials said they would share the data with Reuters.",
    "The council will advertise the post next month, a spokeswoman said.",
    "She read more than 200 letters from residents before the vote.",
    "Cookies were sold at the fair to raise money for a new pump.",
    "Photos taken by a drone show the reservoir bed cracked into plates.",
    "Subscribers to the water scheme will pay a flat fee from January.",
    "Comments from the public will be accepted until March 1.",
    "Share prices of the water utility fell 4% on Monday.",
    "Follow-up tests showed the water was still safe to drink.",
    "The mayor posted a photo of the empty reservoir on Facebook and Twitter.",
    "Reuters could not independently verify the figures.",
    "More than 3,000 people signed the petition.",
    "Most residents said they had not been told about the restrictions.",
    "Updated figures released on Friday show the reservoir at 18% of capacity.",
    "“We have never seen it this low,” he said.",
    "The photograph, taken by a local farmer in 1976, shows the same church spire.",
    "Published in 1911, the survey shows the lake at twice its current size.",
    "By 2030, the town expects to need twice as much water.",
    "Related species of trout have already vanished from the upper valley.",
    "Watch towers along the shore were built in the 1950s to spot fires.",
    "Advertising on the town's buses will carry the water-saving message.",
    "The Associated Press reported last year that the dam had cracked.",
    "The comments section of the board's website was flooded with complaints.",
    "Sign-ups for the rainwater tank scheme doubled in a week.",
    "Copyright lawyers say the drone photos cannot be used without the owner's permission.",
    "Home owners will be offered grants to install rain tanks.",
    "Reporting by local radio first revealed the leak in May.",
    "What happens next",
]
NEGATIVE += [
    "Distributed by the Red Cross, the food parcels reached 2,000 families.",
    "Support for the pipeline fell to 41 per cent, according to an AP/NORC poll.",
    "The figures were confirmed to Reuters.",
    "Facebook, Twitter and Instagram all removed the doctored photo of the dam.",
    "“Share the water, share the pain,” the banner read.",
    "Scroll through the board's report and the word drought appears 300 times.",
    "Members of the board will be subscribed to a new alert service, a spokesman said.",
    "The reservoir was last this low in 1976, when the church spire reappeared.",
    "Home / Away",
    "Sponsors of the festival pulled out after the water ban.",
    "Listen carefully and you can hear the pumps from the village square.",
    "Photo albums from 1976 show children playing on the dry lake bed.",
    "The Associated Press contributed to the cost of the survey, the board said in its report.",
    # fifth batch
    "Key points:",
    "WHAT HAPPENS NEXT",
    "— Ilse Marten, chairwoman of the water board",
    "Q: When will the restrictions end?",
    "A: Not before the pipeline is finished, in 2027.",
    "Reuters reported in May that the board had ignored two warnings.",
    "Source: Kell Water Board annual report, 2023",
    "The board may earn a commission on water sold to neighbouring towns.",
    # sentences that open like paywall, membership or partnership notices
    "Full access to the reservoir path will be restored on Monday, officials said.",
    "Start a trial of the new water meters in two villages, the council told the board in June.",
    "Members only will vote on the plan at the cooperative's meeting in August.",
    "Become a member of the cooperative and you get a vote on the price of water, he said.",
    "Produced in collaboration with the university, the study found the aquifer had dropped by a metre.",
    "Get alerts on your phone when the level changes, the board advises residents.",
    "Save the date: the public hearing is on 12 August.",
    "Follow the money, the auditor said.",
    "Courtesy of the weather, the harvest came early this year.",
    "Copyright 2019 changes meant the drone photos could be sold.",
    "Home / Away fixtures were moved because of the heat.",
    "Listen to the story of the 1976 drought, told by three farmers who lived through it.",
    "Illustration: the board's map shows the three restriction zones.",
    "Join our WhatsApp group to get updates, the board told residents.",
    "Sort by postcode to find your restriction zone.",
    "Distributed through 40 field offices, the water kits reached 2,000 homes.",
]


def _check_article(out: Stripped) -> None:
    kept = out.text.split("\n")
    for paragraph in PARAGRAPHS:
        assert paragraph in kept, f"article paragraph lost: {paragraph[:50]}..."
    assert out.title == HEADLINE


@pytest.mark.parametrize("place", ["top", "middle", "bottom"])
@pytest.mark.parametrize("noise,kinds", NOISE, ids=[n[:40] for n, _ in NOISE])
def test_noise_line_removed(noise: str, kinds: set[str], place: str) -> None:
    text = page(**{place: noise})
    out = strip_text(text)
    _check_article(out)
    kind = _kind_of(text, out, noise)
    assert kind is not None, f"noise kept: {noise!r}"
    allowed = kinds if place == "middle" else kinds | _OUTSIDE
    assert kind in allowed, f"{noise!r} removed as {kind}, expected one of {sorted(kinds)}"


@pytest.mark.parametrize("caption", GLUED, ids=[c[-30:] for c in GLUED])
def test_glued_caption_cut(caption: str) -> None:
    text = page(glued=caption)
    out = strip_text(text)
    _check_article(out)
    assert _kind_of(text, out, caption) == "photo_credit"


@pytest.mark.parametrize("sentence", NEGATIVE, ids=[s[:30] for s in NEGATIVE])
def test_article_sentence_with_trigger_word_kept(sentence: str) -> None:
    out = strip_text(page(middle=sentence))
    _check_article(out)
    assert sentence in out.text.split("\n")


def test_comment_marker_between_paragraphs_does_not_swallow_the_article() -> None:
    """A comment-section marker between paragraphs ends nothing when prose follows it."""
    for marker in ("Comments are closed.", "Join the conversation", "Leave a comment"):
        out = strip_text(page(middle=marker))
        assert out.text.split("\n") == list(PARAGRAPHS)


def test_comment_section_after_article_still_removed() -> None:
    """...but a real comment thread below the article (names, dates, replies) still goes."""
    thread = "\n\n".join([
        "Join the conversation",
        "Tomas Berg",
        "July 3, 2024 at 10:02 am",
        "The board has known about the leaks for years and did nothing. Now we all pay for it, as usual.",
        "Reply",
        "Anna Veld",
        "July 3, 2024 at 11:40 am",
        "My well ran dry in June for the first time in forty years. The pipeline cannot come soon enough.",
        "Reply",
    ])
    out = strip_text(page(bottom=thread))
    _check_article(out)
    assert "pipeline cannot come soon enough" not in out.text
    assert "did nothing" not in out.text


# ------------------------------------------------------------------ other languages

DE = ("Der Pegel des Stausees bei Kell ist nach Angaben des Wasserverbands auf den tiefsten Stand seit "
      "Beginn der Messungen gefallen, wie eine Sprecherin am Mittwoch mitteilte.",
      "Landwirte im Tal dürfen tagsüber nicht mehr bewässern, eine Regel, die der Bauernverband mitten in "
      "der Ernte für nicht umsetzbar hält.",
      "Eine Leitung vom Fluss Dorn soll bis 2027 fertig sein, doch die Haushalte müssen noch mindestens zwei "
      "Sommer lang mit Einschränkungen rechnen.")
FR = ("Le niveau du réservoir de Kell est tombé à 18 % de sa capacité, a indiqué mercredi l'office régional "
      "de l'eau, soit le plus bas depuis le début des relevés.",
      "Les agriculteurs de la vallée ne peuvent plus irriguer en journée, une règle que leur syndicat juge "
      "inapplicable en pleine récolte.",
      "Une canalisation depuis la rivière Dorn doit être achevée en 2027, mais les ménages devront subir des "
      "restrictions pendant au moins deux étés.")
ES = ("El embalse de Kell ha caído al 18 % de su capacidad, informó el miércoles la junta regional del agua, "
      "el nivel más bajo desde que hay registros.",
      "Los agricultores del valle ya no pueden regar durante el día, una norma que su asociación considera "
      "imposible de cumplir en plena cosecha.",
      "Una tubería desde el río Dorn estará terminada en 2027, pero los hogares tendrán restricciones durante "
      "al menos dos veranos más.")
FOREIGN_HEADLINES = {
    "de": "Stausee bei Kell auf tiefstem Stand seit fünfzig Jahren",
    "fr": "Le réservoir de Kell au plus bas depuis cinquante ans",
    "es": "El embalse de Kell, en su nivel más bajo en cincuenta años",
}
FOREIGN_TEXT = {"de": DE, "fr": FR, "es": ES}

FOREIGN_NOISE = [
    ("de", "Lesen Sie auch: Dürre in Brandenburg verschärft sich", SEE_ALSO),
    ("de", "Anzeige", AD),
    ("de", "ANZEIGE", AD),
    ("de", "Mehr zum Thema", SEE_ALSO),
    ("de", "Das könnte Sie auch interessieren", SEE_ALSO),
    ("de", "Foto: dpa", CREDIT),
    ("de", "Artikel teilen", SHARE),
    ("de", "Kommentare", COMMENTS),
    ("de", "Weiterlesen nach der Anzeige", AD),
    ("de", "Auch interessant: Wie Kell Wasser spart", SEE_ALSO),
    ("de", "Bild: picture alliance/dpa", CREDIT),
    ("de", "Alle Rechte vorbehalten.", COPYRIGHT),
    ("fr", "Lire aussi : La sécheresse s'aggrave dans le Sud", SEE_ALSO),
    ("fr", "Publicité", AD),
    ("fr", "PUBLICITÉ", AD),
    ("fr", "À lire aussi", SEE_ALSO),
    ("fr", "Sur le même sujet", SEE_ALSO),
    ("fr", "Partager cet article", SHARE),
    ("fr", "Photo : AFP", CREDIT),
    ("fr", "Les plus lus", SEE_ALSO),
    ("fr", "Tous droits réservés.", COPYRIGHT),
    ("fr", "LIRE AUSSI >> La sécheresse s'aggrave dans le Sud", SEE_ALSO),
    ("es", "Lee también: La sequía obliga a racionar el agua", SEE_ALSO),
    ("es", "Publicidad", AD),
    ("es", "PUBLICIDAD", AD),
    ("es", "Te puede interesar", SEE_ALSO),
    ("es", "Noticias relacionadas", SEE_ALSO),
    ("es", "Foto: EFE", CREDIT),
    ("es", "Lo más leído", SEE_ALSO),
    ("es", "Todos los derechos reservados.", COPYRIGHT),
    ("es", "Leer más: La sequía obliga a racionar el agua", SEE_ALSO),
    ("es", "Comentarios", COMMENTS),
    ("de", "Werbung", AD),
    ("de", "Foto: Jane Doe/dpa", CREDIT),
    ("fr", "Crédit photo : Jane Doe / AFP", CREDIT),
    ("fr", "Contenu sponsorisé", AD),
    ("es", "Contenido patrocinado", AD),
    ("es", "Imagen: Jane Doe/EFE", CREDIT),
    # fourth batch
    ("de", "Zur Startseite", NAV),
    ("de", "Quelle: dpa", CREDIT | SYNDICATION),
    ("de", "Lesezeit: 3 Min.", READING),
    ("de", "Teilen auf Facebook", SHARE),
    ("de", "Mehr lesen", SEE_ALSO),
    ("fr", "Abonnez-vous", SHARE),
    ("fr", "Partager sur Facebook", SHARE),
    ("fr", "Temps de lecture : 3 min", READING),
    ("fr", "Mis à jour le 3 juillet 2024 à 09h14", DATE),
    ("fr", "© AFP", COPYRIGHT | CREDIT),
    ("es", "Síguenos en Twitter", SHARE),
    ("es", "Tiempo de lectura: 3 min", READING),
    ("es", "Actualizado: 03/07/2024 09:14", DATE),
    ("es", "Comparte en Facebook", SHARE),
    ("es", "Foto: Reuters", CREDIT),
]


@pytest.mark.parametrize("language,noise,kinds", FOREIGN_NOISE, ids=[f"{lang}-{n[:30]}" for lang, n, _ in FOREIGN_NOISE])
def test_foreign_noise_between_paragraphs(language: str, noise: str, kinds: set[str]) -> None:
    first, second, third = FOREIGN_TEXT[language]
    headline = FOREIGN_HEADLINES[language]
    text = "\n\n".join([headline, first, noise, second, third])
    out = strip_text(text, language=language)
    assert out.text.split("\n") == [first, second, third]
    assert _kind_of(text, out, noise) in kinds


# ------------------------------------------------------------------ layouts
# Noise in other shapes than one line: blocks of several lines, bullets, capitals, other line
# breaks, pages without a headline, a short lede.  (Third batch, measured before its fixes.)
# Boxes of several lines go after the second paragraph, where sites put them: a box right after
# the first paragraph makes that paragraph read as a standfirst (kept out of the body by news gold
# standards), so it is not asked for here.

BLOCKS = {
    "ad pair": ["Advertisement", "Story continues below"],
    "related box": ["Related", "Farmers turn to drip irrigation as rivers run low",
                    "Water board fined over leaking mains", "Heatwave warning extended to the weekend"],
    "read more box": ["READ MORE:", "* Farmers turn to drip irrigation as rivers run low",
                      "* Water board fined over leaking mains"],
    "newsletter form": ["Sign up for our newsletter", "Enter your email address", "Subscribe",
                        "By signing up, you agree to our Terms of Use and Privacy Policy."],
    "share row bullets": ["• Facebook", "• Twitter", "• WhatsApp", "• Email"],
    "bulleted see also": ["* Read more: Farmers turn to drip irrigation as rivers run low"],
    "capitals": ["SIGN UP FOR OUR NEWSLETTER"],
    "capital share": ["SHARE THIS ARTICLE"],
    "caption and credit": ["Photo: Jane Doe/Kell Courier", "The intake tower stands clear of the water."],
}
# Metadata blocks (a byline over a date, "Listen to this article" over "5 min read") sit between the
# headline and the body; a prose line above such a block is the standfirst, which news gold
# standards leave out of the body, so these blocks are probed at the top only.
TOP_BLOCKS = {
    "listen and time": ["Listen to this article", "5 min read"],
    "date and share": ["Updated 14:32 GMT, 3 July 2024", "Share this article"],
    "share row": ["Facebook", "Twitter", "Email"],
    "credit and time": ["Photo: Jane Doe/Kell Courier", "July 3, 2024 at 9:14 am"],
}


@pytest.mark.parametrize("name", sorted(TOP_BLOCKS))
def test_metadata_block_above_the_body(name: str) -> None:
    text = page(top="\n".join(TOP_BLOCKS[name]))
    out = strip_text(text)
    _check_article(out)
    for line in TOP_BLOCKS[name]:
        assert _kind_of(text, out, line) is not None, f"kept: {line!r}"


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_noise_block_between_paragraphs(name: str) -> None:
    block = "\n".join(BLOCKS[name])
    text = page(later=block)
    out = strip_text(text)
    _check_article(out)
    for line in BLOCKS[name]:
        if name == "caption and credit" and line.endswith("water."):
            continue  # a caption without a credit of its own reads like a sentence; only its credit line is asked for
        assert _kind_of(text, out, line) is not None, f"kept: {line!r}"


def test_related_links_below_a_closed_comment_section() -> None:
    bottom = "\n\n".join(["Comments are closed.", "More from The Kell Courier",
                          "Farmers turn to drip irrigation as rivers run low",
                          "Water board fined over leaking mains"])
    out = strip_text(page(bottom=bottom))
    assert out.text.split("\n") == list(PARAGRAPHS)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\n\n\n"])
def test_other_line_breaks(newline: str) -> None:
    text = page(middle="READ MORE: Farmers turn to drip irrigation as rivers run low").replace("\n\n", newline)
    out = strip_text(text)
    assert [p.rstrip("\r") for p in out.text.split("\n")] == list(PARAGRAPHS)


def test_trailing_whitespace_around_noise() -> None:
    out = strip_text(page(middle="  Advertisement \t"))
    assert out.text.split("\n") == list(PARAGRAPHS)


@pytest.mark.parametrize("noise", ["Advertisement", "READ MORE: Farmers turn to drip irrigation as rivers run low",
                                   "Photo: Jane Doe", "Updated 14:32 GMT, 3 July 2024", "Share this article"])
def test_page_without_headline_or_chrome(noise: str) -> None:
    text = "\n\n".join([P1, noise, P2, P3])
    out = strip_text(text)
    assert out.text.split("\n") == [P1, P2, P3]


@pytest.mark.parametrize("noise", ["Advertisement", "Updated 14:32 GMT, 3 July 2024", "Comments are closed.",
                                   "Sign up for our daily newsletter"])
def test_two_paragraph_story(noise: str) -> None:
    text = "\n\n".join([HEADLINE, P1, noise, P2])
    out = strip_text(text)
    assert out.text.split("\n") == [P1, P2]


LEDE = "KELL, July 3 (Reuters) - The town's reservoir has almost run dry."


@pytest.mark.parametrize("noise", ["Advertisement", "5 min read", "Reporting by Jane Doe; Editing by John Roe",
                                   "Sign up for our daily newsletter", "Getty Images"])
def test_short_agency_lede_kept(noise: str) -> None:
    text = "\n\n".join(["The Kell Courier", HEADLINE, "By Mara Lindqvist", LEDE, noise, P2, P3, P4])
    out = strip_text(text)
    assert out.text.split("\n") == [LEDE, P2, P3, P4]


# ------------------------------------------------------------------ whole pages (sixth batch)

MENU = "\n".join(f"* {item}" for item in (
    "Home", "News", "Local", "Politics", "Business", "Sport", "Culture", "Opinion", "Weather", "Obituaries",
    "Puzzles", "Podcasts", "Newsletters", "Subscribe", "Log in"))
MOST_READ = "\n".join(["Most read", "Council votes to close two rural schools",
                       "Storm warning issued for the northern coast", "New bakery opens on Market Street",
                       "Kell cyclists win regional title", "Power cut hits 3,000 homes"])
FOOTER = "\n".join(["The Kell Courier", "About us | Contact | Careers | Advertise", "Privacy policy",
                    "Terms of use", "© 2024 Kell Media Group. All rights reserved."])
MORE_PARAGRAPHS = (
    "The last time the reservoir fell below a fifth of its capacity, in 1976, the board trucked water to "
    "the villages for six weeks and rationed supplies to two hours a day.",
    "Ms Marten said trucking would not be needed this time because the quarry lake holds enough water "
    "for about four months at the current rate of use.",
    "The growers' association said it would ask the regional court on Monday to suspend the irrigation "
    "ban until the end of the harvest in late September.",
    "Rain is forecast for the weekend, but the national weather service said it would do little to "
    "refill the reservoir, whose catchment has had a third of its usual rainfall since March.",
)


def test_page_with_long_menu_footer_and_most_read() -> None:
    body = [P1, "Advertisement", P2, "READ MORE: Farmers turn to drip irrigation as rivers run low", P3,
            "Sign up for our daily newsletter", P4, *MORE_PARAGRAPHS]
    text = "\n\n".join(["The Kell Courier", MENU, HEADLINE, "By Mara Lindqvist", "July 3, 2024", *body,
                        "Share this article", "Facebook Twitter Email", MOST_READ, FOOTER])
    out = strip_text(text)
    assert out.text.split("\n") == [P1, P2, P3, P4, *MORE_PARAGRAPHS]
    assert out.title == HEADLINE


def test_numbered_list_inside_the_article_kept() -> None:
    steps = ["1. Water gardens only before 8am or after 8pm.", "2. Do not fill swimming pools.",
             "3. Report leaks to the board on its free number."]
    text = page(middle="\n".join(["The board asked households to follow three rules:", *steps]))
    out = strip_text(text)
    kept = out.text.split("\n")
    for line in steps:
        assert line in kept
    _check_article(out)


@pytest.mark.parametrize("noise", ["Advertisement", "READ MORE: Farmers turn to drip irrigation as rivers run low",
                                   "Sign up for our daily newsletter", "Photo: Jane Doe/Kell Courier"])
def test_noise_deep_in_a_long_article(noise: str) -> None:
    body = [P1, P2, P3, P4, *MORE_PARAGRAPHS]
    text = "\n\n".join(["The Kell Courier", HEADLINE, "By Mara Lindqvist", *body[:6], noise, *body[6:],
                        "About us", "Contact"])
    out = strip_text(text)
    assert out.text.split("\n") == body
