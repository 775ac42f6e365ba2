import { describe, expect, it } from 'vitest';
import { renderNewsletter, type NewsletterSource } from './render';

const source = (html: string): NewsletterSource => ({
  blogTitle: 'Walks & Talks',
  blogUrl: 'https://walks.example.org',
  postTitle: 'Up the <hill>',
  postUrl: 'https://walks.example.org/posts/up-the-hill',
  date: 'March 8, 2026',
  unsubscribeUrl: '{{unsubscribe}}',
  html,
});

describe('renderNewsletter', () => {
  it('makes every relative link and image address absolute on the blog', () => {
    const { html, text } = renderNewsletter(
      source(
        '<p><a href="/posts/other">another post</a> and <a href="#notes">notes</a> and <a href="https://elsewhere.test/x">out</a></p>' +
          '<p><img src="/media/3/view.webp" srcset="/media/3/view-640.webp 640w, /media/3/view.webp 1280w" alt="The view"></p>',
      ),
    );
    expect(html).toContain('href="https://walks.example.org/posts/other"');
    expect(html).toContain('href="https://walks.example.org/posts/up-the-hill#notes"');
    expect(html).toContain('href="https://elsewhere.test/x"');
    expect(html).toContain('src="https://walks.example.org/media/3/view.webp"');
    expect(html).toContain(
      'srcset="https://walks.example.org/media/3/view-640.webp 640w, https://walks.example.org/media/3/view.webp 1280w"',
    );
    expect(html).not.toMatch(/(src|href)="\//);
    expect(text).toContain('https://walks.example.org/posts/other');
  });

  it('removes scripts, frames, handlers, forms, styles and dangerous schemes', () => {
    const { html } = renderNewsletter(
      source(
        '<p onclick="steal()">Hi<script>alert(1)</script></p><iframe src="https://evil.test"></iframe>' +
          '<a href="javascript:alert(1)">x</a><img src="//evil.test/t.gif"><img src="data:image/png;base64,AAAA">' +
          '<form action="https://evil.test"><input name="q"></form><style>body{display:none}</style><p style="position:fixed" class="x">y</p>',
      ),
    );
    expect(html).not.toMatch(
      /<script|<iframe|onclick|javascript:|evil\.test|data:image|<form|<input|position:fixed|class="x"|display:none/,
    );
    expect(html).toContain('<p>y</p>');
  });

  it('has the layout: blog title, post title escaped, date, web link, unsubscribe placeholder', () => {
    const { html, text } = renderNewsletter(source('<p>Body text.</p>'));
    expect(html).toContain('Walks &#38; Talks');
    expect(html).toContain('Up the &#60;hill&#62;');
    expect(html).toContain('March 8, 2026');
    expect(html).toContain('<a href="https://walks.example.org/posts/up-the-hill" style="color:#9a3412">Read it on the web</a>');
    expect(html).toContain('You get this because you subscribed to Walks &#38; Talks.');
    expect(html).toContain('<a href="{{unsubscribe}}"');
    expect(text).toContain('Up the <hill>');
    expect(text).toContain('Body text.');
    expect(text).toContain('Read it on the web: https://walks.example.org/posts/up-the-hill');
    expect(text).toContain('Unsubscribe: {{unsubscribe}}');
    expect(text).not.toMatch(/<p>|<a /);
  });

  it('writes links as their URLs in the text version', () => {
    const { text } = renderNewsletter(source('<p>See <a href="/posts/map">the map</a>.</p><ul><li>one</li><li>two</li></ul>'));
    expect(text).toContain('the map [https://walks.example.org/posts/map]');
    expect(text).toMatch(/\* one\n \* two/);
  });

  it("never lets what the author wrote become a reader's unsubscribe link", () => {
    const { html, text } = renderNewsletter({
      ...source(
        '<p>Hi {{unsubscribe}}</p><p><img src="https://tracker.example/p.png?t={{unsubscribe}}" alt=""><a href="https://x.example/?u={{unsubscribe}}">x</a></p>',
      ),
      postTitle: 'About {{unsubscribe}}',
    });
    // Only the footer's link carries the placeholder the sender replaces per reader.
    expect(html.split('{{unsubscribe}}')).toHaveLength(2);
    expect(text.split('{{unsubscribe}}')).toHaveLength(2);
    expect(html).toContain('<a href="{{unsubscribe}}"');
    expect(text).toContain('Unsubscribe: {{unsubscribe}}');
  });
});
