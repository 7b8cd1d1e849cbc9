"""A web page's article with its header, without the site's navigation and footer (jianggao.indexer.webpage)."""
from __future__ import annotations

from jianggao.indexer.extractors import markdown_text, web_page_text

PARAGRAPHS = [
    "同志们：今天召开全县农田水利建设工作会议，主要任务是总结去年工作，部署今冬明春农田水利基本建设任务。",
    "一、充分肯定去年取得的成绩",
    "去年全县共完成小型水库除险加固12座，新建高标准农田8.6万亩，新增和改善灌溉面积3.2万亩，农村饮水安全巩固提升工程惠及群众4.1万人。",
    "二、突出重点抓好今年各项任务",
    "今年要重点抓好三件事：一是加快灌区续建配套，二是推进山塘整治，三是建立健全工程管护机制，确保建一处、成一处、管好一处。",
    "同志们，农田水利建设事关粮食安全和群众福祉，希望大家迅速行动、狠抓落实，确保各项任务按期完成。",
]
PAGE = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>张某某在全县农田水利建设工作会议上的讲话 - 某某县人民政府</title></head><body>
<div class="nav"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> | <a href="/ldjh/">领导讲话</a> | <a href="/hd/">互动交流</a></div>
<div class="banner"><h2>某某县人民政府门户网站</h2></div>
<div class="crumb">您现在的位置：首页 &gt;&gt; 领导讲话</div>
<div class="main"><h1>夯实农业基础 建设水美乡村</h1>
<div class="sub">——在全县农田水利建设工作会议上的讲话</div>
<div class="author">县长　张某某</div>
<div class="meta">来源：县政府办公室　发布时间：2023年11月20日</div>
<div class="content">{''.join(f'<p>{p}</p>' for p in PARAGRAPHS)}</div></div>
<div class="footer"><p>主办单位：某某县人民政府办公室</p><p>备案号：X ICP备00000000号</p></div>
</body></html>"""


def test_a_government_page_keeps_the_article_and_its_header_only():
    lines = web_page_text(PAGE).split("\n")
    assert lines[:4] == ["夯实农业基础 建设水美乡村", "——在全县农田水利建设工作会议上的讲话", "县长　张某某",
                         "来源：县政府办公室　发布时间：2023年11月20日"]
    assert lines[4:] == PARAGRAPHS
    assert not any(x in "\n".join(lines) for x in ("首页", "门户网站", "您现在的位置", "主办单位", "备案号"))


def test_a_page_whose_article_is_not_found_is_kept_whole():
    page = "<html><body><p>短短一行</p><p>又一行</p></body></html>"
    assert web_page_text(page) == "短短一行\n又一行"


def test_markdown_loses_its_markup_but_not_its_lines_or_numbering():
    source = "# 在全市教育工作会议上的讲话\n\n市教育局局长 某某某\n\n同志们：\n**一、回顾成绩**\n1. 新建学校5所\n2. 新增学位8000个\n"
    assert markdown_text(source).split("\n") == [
        "在全市教育工作会议上的讲话", "市教育局局长 某某某", "同志们：", "一、回顾成绩", "1. 新建学校5所", "2. 新增学位8000个"]
