"""Tests for jianggao.indexer.chunking on real paragraphs from data/speeches/*.txt (copied literally below)."""
from __future__ import annotations

import re
import statistics
from pathlib import Path

import opencc
import pytest

from jianggao.indexer.chunking import Span, chunk_speech, outline, split_sentences
from jianggao.indexer.types import Chunk

SPEECHES = Path(__file__).resolve().parents[2] / "data" / "speeches"
MAX, MIN = 600, 150

# 000_33622b377a9301e5.txt, lines 15-31: Simplified, 一、 headings alone on a line, 一是要… points
SCHOOL_BUS_000 = "\n".join(
    [
        '我是**派出所。今天在这里召开全乡校车工作座谈会,是贯彻落实国务院和省市县关于加强中小学校交通安全管理工作的一次重要会议,更是一次进一步规范韩庙接送学生车辆、关爱学生身心健康、保障校车安全的重要会议。下面,我结合校车安全整治和安全管理工作,提几点要求。',
        '一、认清形势,提高认识,进一步增强做好接送学生车辆安全整治和安全管理工作的责任感和紧迫感',
        '近年来,广大学生在享受优质教育资源的同时,也出现了学生上学半径增大,农村中小学生、幼儿搭乘各种交通工具上学的现象。对学生搭乘的这些交通工具管理的好坏,直接影响到学生的生命安全,更影响社会的和谐稳定。因此,加强中小学、幼儿园乘用车辆安全管理已成为学校安全工作的重要方面,切实做好这项工作,对于保障广大学生和幼儿的生命安全,维护学校和幼儿园的正常教育教学秩序都具有十分重要的意义。',
        '大家都知道,去年12月24日上午9时左右,江西贵溪滨江乡洪塘村合盘石童家村小组发生一起幼儿园班车侧翻坠入水塘事故,该7座面包车上载有17人,事故导致11名儿童死亡,校车司机是幼儿园长,其事故原因,就是严重违规超载。这血的教训,给大家敲响了安全警钟,应引起高度重视。希望每位接送学生车辆车主、各个学校、各位学生家长,要从中认真汲取教训,举一反三,进一步认清中小学、幼儿园校车安全管理工作的极端重要性,采取有效措施,共同抓紧抓好校车安全管理工作。',
        '二、突出重点,强化措施,全力抓好校车安全管理工作',
        '抓好校车安全管理工作,我们要突出抓好以下几个方面的重点:',
        '一是要抓好全面排查这个重点。各学校要立即组织校车车主在规定时间内补办有关手续,完善管理档案。配合公安交警等部门要立即对校进行一次全面排查,重点检查驾驶员从业资格、驾驶技能和驾龄,以及车辆车况方面的问题,对不符合条件的要坚决停运。',
        '二是要抓好加强教育这个重点。中小学要依法加强对学生及家长乘车安全知识的教育和引导,进一步提高中小学生交通安全意识和自我保护能力,建立健全接送学生乘车安全管理制度、进一步完善校车接送档案。',
        '三是要抓好综合治理这个重点。中小学校要与公安交警、交通部门积极沟通联系,明确接送车辆优先的原则,加强校车路上行车监管,在上放学期间对校车开展不定点抽查,发现违规现象,立即处理,并追究相关责任人的责任。',
    ]
)

# 003_a4ea184099e2ca2f.txt, lines 10-24: Simplified news report, 二要… points (indentation stripped)
POVERTY_003 = "\n".join(
    [
        '张剡在讲话中指出,市委、市政府明确提出了到2018年底全市70个贫困村全部“摘帽”、2.6万余贫困人口全部脱贫的目标,全市上下必须进一步明确形势任务,切实增强做好脱贫攻坚工作的责任感和紧迫感,坚决打赢攻坚仗,为贫困地区与全市同步全面实现小康提供坚实支撑。',
        '张剡强调,一要着力抓实基础设施建设,改善贫困地区发展条件。突出抓好道路建设,从根本上破除交通对贫困地区经济社会发展的制约;突出抓好水利建设,提高贫困地区农业生产保障能力;突出抓好电网建设,着力解决贫困地区电网超负荷问题,增强整体供配电能力;突出抓好通信建设,加快推进宽带乡村、4G网络、电视户户通、广播村村响工程。',
        '二要着力抓实富民产业发展,增强贫困对象内生动力。加强基层组织建设,大力培育专业大户、家庭农场、农民合作社等新型农业经营主体;积极推动商贸流通发展,大力推行“互联网+农业”发展模式,搭建涉农电商平台,打造特色品牌,促进销售流通;积极探索创新农村资产收益扶贫、涉农项目资金投资收益扶贫、理财收益扶贫等新模式,不断拓展贫困农户的增收渠道。',
        '三要着力抓实教育文化治贫,阻断贫困对象代际传递。合理优化贫困地区学校布局,保证贫困学生就近上学;巩固提升义务教育成果,狠抓“控辍保学”工作;研究实施贫困家庭子女就学资助政策;加强贫困地区师资队伍建设;加强农村实用技术和职业技能培训。',
        '四要着力抓实医疗卫生救助,提升贫困对象幸福指数。认真落实新型农村合作医疗政策,确保2018年底贫困人口新农合参合率达到100%;加大对困难群众的医疗救助力度,到2018年底实现重特大疾病患者住院费用零支付;加强基层医疗服务能力建设,70个贫困村涉及的乡镇卫生院、村卫生室标准化建设要100%达标;大力开展全市二级以上医院对口帮扶贫困乡镇、村医疗机构,着力解决因病致贫、因病返贫问题。',
        '五要着力抓实社会保障兜底,强化贫困对象脱贫支撑。加快发展城乡居民养老保险,实现应保尽保;加快养老设施建设,在自愿的前提下,对农村“三无”(无劳动能力、无生活来源、无赡养抚养人)特困人员实行集中供养,力争2018年集中供养满足率达到100%;帮助农村贫困家庭的留守儿童、留守妇女、留守老人解决生产生活中的实际困难,编织好兜住贫困群众基本生活的社会安全网。',
        '六要着力抓实生态扶贫搬迁,提高贫困对象生活水平。尽快编制年度实施方案,因地制宜选择搬迁安置方式和安置点;注重与新村建设、彝家新寨建设、农村危房改造、廉租房建设相衔接,坚持小规模、组团式、微田园、生态化;努力为搬迁人口创造就业机会,确保搬得出、稳得住、能致富;继续实施重点生态工程,让贫困群众从生态保护中得到更多实惠。',
        '张剡要求,各级各部门要把脱贫攻坚作为当前和今后一个时期工作的重中之重,一项一项地把任务落实好;要动员整合全社会力量,集中财力解决突出问题;要教育引导群众靠辛勤劳动改变贫困落后面貌,真正实现从“要我脱贫”到“我要脱贫”的转变;要严格考核,逗硬奖惩,确保脱贫攻坚工作取得实际成效。',
    ]
)

# 001_61bd9e3e9d8a87db.txt, lines 84-100: (二) heading, 1. points, lines cut by the scraper (U+FFFD removed)
POVERTY_001 = "\n".join(
    [
        '(二)实施“六个一批”工程,分类施策促进稳定脱贫。',
        '1.实施易地搬迁,挪穷窝脱贫一批。要坚持把易地扶贫搬迁与新型城镇化、产业园区及美丽乡村建设紧密结合,与陕南避灾扶贫搬迁工作有效对接,同步规划、同步推进,将居住在“一方水土致富不了一方人”区域的5758户1.82万贫困人口通过进城、入镇、进社区、入园区等方式进行搬迁,从根本上改变其生存发展环境;将搬迁社区管理纳入城乡行政管理体系,完善社区组织阵地和架构,落实人员和工作经费,确保搬迁社区有人管事、有钱办事、有场所议事。抢抓移民搬迁社区基础设施和公共服务项目配套机遇,完善社区水、电、路、讯和绿化、美化、亮化硬件设施和文化、教育、医疗等公共服务资源,努力创建生态宜居、文明和谐的新型农村社区。始终抓住“稳得住、能致富”这个根本,对搬迁群众实行“一区一策、一户一法”精准扶持,确保顺利实现脱贫。',
        '2.扭住三业关键,助发展脱贫一批。在到村到户扶贫攻坚中,要紧密结合贫困村资源特点,培育一批地域特色鲜明、比较优势突出的富民产业,形成强有力的产业支撑。要围绕特色农业发展,培育新型市场主体,改变传统经营模式,加大科技投入,加快开发一批绿色天然有机无公害特色农业品牌,提高产业发展效益。要积极开展电商扶贫,利用全省电子商务示范县创建契机,充分发挥“互联网+”的作用,把农产品与大市场紧密联系起来,积极挖掘农民增收的潜力,拓宽群众增收致富渠道。要围绕旅游扶贫,发展民俗旅游、乡村旅游,不断完善基础设施,美化乡村环境,挖掘民俗文化,培育一批生态游、休闲游、观光游、农业体验游等乡村旅游品牌,不断增加乡村旅游收入。大力支持创办家庭手工业,发展现代服务业。要建立贫困群众与龙头企业利益共享机制,增加贫困人口在产品销售环节的利润分配,促进群众更多地增收。要因人而异,分类开展技能培训。整合人社、教体、扶贫、农林等部门培训资源,变政府“端菜”式培训为群众“点菜”式培训,大力推行定向、订单、定岗培训,着力提高培训的针对性和实效性,确保到20xx年实现贫困家庭劳动力职业技能培训全覆盖,每个贫困家庭至少有1人拿到职业资格证书,推动劳务输出由体力型逐步向技能型转变,由分散短期输出向常年稳定输出转变,力争贫困农户工资性收入占年收入的比例达到50%以上。推行培训鉴定输转一体化模式,做到培训与鉴定、劳务输转和维权服务紧密结合,努力实现培训一人、鉴定一人、输转一人、就业一人、脱贫一户的目标。',
        '3.强化政策集成,兜底线保障一批。要借助农村贫困线和低保标准线“两线合一”机遇,扩大低保保障范畴。集成城乡居民基本养老、城乡低保、“五保”供养、城镇流浪乞讨人员救助、危重精神病人救助和临时救助等保障政策,将孤寡老人、无劳动能力人、丧失劳动能力残疾人等2.39万贫困人口全部纳入保障范围,实现应保尽保。实行暂退低保帮扶措施,对当年超过低保标准但收入尚不稳定的农村家庭,延续12个月低保政策,其中残疾人家庭可再适度延长救助时限;要加大临时救助制度在贫困人口中的落实力度,帮助贫困人口应对突发性、紧迫性和临时性生活困难;要加快敬老院、幸福院等养老设施建设力度,实现对孤、残等人员集中供养全覆盖。继续深化农村“三留守”人员的关爱管护机制,落实监管帮包责任,与精准脱贫进行有效对接。',
        '4.完善医疗救助,促健康脱贫一批。加强镇卫生院和村卫生室标准化建设,强化县镇村三级卫生服务网络,健全农村疫病防控体系。大力开展爱国卫生运动,加强健康教育咨询服务,向贫困人口宣传卫生保健常识,减轻生存环境和生活习惯对健康的不良影响,提高贫困人口自我保健意识。建立全县4.32万贫困人口健康档案,每年对贫困人口开展一次免费健康体检,组织医疗专家服务队,巡回开展贫困人口免费义诊。将检查发现的贫困患者纳入系统管理并动态更新,做到患病早发现、早治疗。继续推行《特困人口健康保障证》制度,对特困人口在县内定点医疗机构的住院医疗费用实行“全报销”,最大限度避免因病致贫、因病返贫问题发生。',
        '5.斩断代际传递,强教育脱贫一批。把教育扶贫作为“断穷根”的重要支撑,全程施策,确保每个贫困家庭子女上得起学。继续实行十五年免费教育,保证每一个贫困学生都能够享受公平受教育权利。对所有贫困家庭学生实施生活补助,确保贫困学生不辍学。依托“圆梦教育基金会”和扶贫助学、福彩助学、慈善助学、生源地助学贷款等资助项目,让每一个贫困家庭大学生都能顺利完成学业。高度关注贫困大学生就业创业问题,出台扶持办法,挖掘就业岗位,县级公益性岗位、政府购买服务岗位优先向县境内贫困大学生倾斜。坚持实施全体教师结对帮扶贫困学生制度,让所有贫困学生都能得到关爱。合理布局农村教育资源,提高学前教育入园率、义务教育巩固率,促进教育事业均衡发展。',
        '6.保住青山绿水,护生态转移一批。我县是南水北调中线工程水源涵养地和国家重点生态功能区,肩负着维护生态主体功能、确保一江清水供北京的重要政治责任。我们要充分发挥资源优势,将汉江水源变为资本,努力争取国家对生态主体功能区更多的生态补偿,把重点区域内有劳动能力的贫困人口转为生态保护人员和环境监测员,用生态补偿资金增加这一部分贫困人口的政策性收入。进一步巩固省级生态县创建成果,加大退耕还林、植树造林等生态工程建设力度,足额兑付退耕还林补助资金,增加贫困户综合性收入。加快转变生产方式,大力发展生态工业、有机农业、山林经济、观光旅游,大力推进农副产品深加工,拓宽市场营销平台,提高产品市场竞争力,增加贫困户经营性收入。积极争取国家生态保护专项补助资金,提高公益林建设补偿标准,让更多贫困村、贫困户享受生态建设成果。',
        '(三)落实“六个一”责任机制,确保精准措施到村到户。',
    ]
)

# 004_1ede3f202e9dcf26.txt, 篇四: Traditional, pinyin annotations removed; last paragraph cut before a garbled passage
EPIDEMIC_004 = "\n".join(
    [
        '今天這次會議,主要是深入學習貫徹習近平總書記關于疫情防控的重要指示精神,按照省委疫情防控工作第五次專題會議和全市疫情防控指揮部第三次全體會議要求,對全市各級各類學校秋季開學和疫情防控工作再安排、再部署。剛才,××同志就做好秋季開學及疫情防控工作作了部署×同志對秋季開學和疫情防控提出了要求,講得都很好,各縣區、各部門、各學校要認真抓好貫徹落實。下面,我再強調三方面意見。',
        '一、務必認清形勢,政治站位再提升。',
        '當前,全國疫情多點散發態勢仍在持續,“外防輸入”壓力依然很大。我省疫情總體上朝著可控、穩定、向好的方向發展,我市中高風險地區已經全部解除,但是全省范圍內中高風險地區還有18個(截至8月24日)之多,再加上秋冬季流感季節即將來臨,疫情防控還存在嚴峻性、復雜性、不確定性,仍處于關鍵階段。',
        '我市教職工和學生數量近190萬,是一個巨大的群體。秋季開學返校在即,不可避免出現人員密集流動、聚集等情況,特別是中小學、幼兒園的孩子對病毒的認知有限,自我防護、主動防護的意識不強,任何一個環節出現紕漏,任何一個孩子安全出了問題,帶來的都是一個家庭的巨大災難,一個學校的巨大風險。因此,我們必須深刻認識到教育系統疫情防控等不起、拖不起,學生開學也等不得、拖不得,要把守護青少年生命安全和身體健康作為底線要求,切實增強危機感、責任感、使命感,抱著“寧可十防九空,絕不可失防萬一”的心態,把問題想得重一些,把困難想得多一些,把風險想得大一些,毫不松懈地做好打硬仗的準備。',
        '8月24日,市委書記在全市疫情防控指揮部第三次全體會議上強調,要按照省委省政府決策部署和市委市政府工作安排,嚴格落實校園疫情防控和安全防范責任體系,扎實做好學生開學各項準備工作,齊心協力筑牢校園安全防線,確保平安開學、開學平安。這是省委、市委給我們明確的總體要求,也是總體目標,我們必須從確保開學前后教職工和學生身體健康、校園安全和教育教學秩序的政治高度,堅決完成這一政治任務,決不允許出現任何閃失。',
        '抗疫大戰當前,大考仍在持續。全市各級各部門一定要提升政治站位,堅決貫徹習近平總書記重要指示精神,深入落實省、市一系列部署要求,清醒認識全市疫情防控形勢特別是教育系統疫情防控形勢的復雜性和嚴峻性,深刻認識疫情防控就是“國之大者”,深刻認識確保平安開學、開學平安的重大意義,堅決克服麻痹思想、厭戰情緒、僥幸心理、松勁心態,時刻繃緊疫情防控這根弦,從增強“四個意識”、堅定“四個自信”、做到“兩個維護”的政治高度,以嚴而又嚴、實而又實、細而又細的作風和舉措,抓好工作落實,堅決打贏疫情防控這場硬仗,堅決守好教育這塊陣地,全力保障廣大師生生命安全和身體健康。',
        '二、務必抓住重點,工作落實再強化。',
        '(一)市委要求要堅決落實。蒿慧杰書記在全市疫情防控指揮部第三次全體會議上指出,平安開學和開學平安關系學生生命安全和身體健康,牽動廣大家長的心,備受社會關注。全市上下一定要把開學前后各項疫情防控工作做扎實、做深入、做細致、做具體,確保平安開學、開學平安。一要錯時返學校。嚴格按照上級要求,把最近發生疫情的縣區與未發生疫情的縣區區別開來,堅持“一地一策”“一校一案”,審慎決策,科學確定開學返校時間。二要開展“回頭看”。充分利用開學前這段時間,對照最新學校疫情防控指南,對各個學校疫情防控措施落實情況全面開展“回頭看”,進一步查短板、補漏洞,符合開學條件的按程序啟動開學,不符合開學條件的堅決不準其開學,暫時不宜返校的學生堅決做好管控,確保萬無一失。三要開好家長會。明確開學時間后,要及時召開線上家長會,向家長和學生講清楚疫情防控形勢、學校防控措施、學生防護要求及學校教學安排等,引導學生和家長遵守各項防疫要求和規定措施,增強家長對學校安全開學的信心,增強學生遵循防控措施的自覺性。四要上好第一課。聚焦疫情防控和防汛救災兩場硬仗開展好“開學第一課”,結合“把疫情當教材,與祖國共成長”主題教育,挖掘疫情防控和防汛救災中的典型人物事跡,進一步凸顯人民至上、生命至上的核心理念,眾志成城、不怕艱險的拼搏精神和一方有難、八方支援的家國情懷,讓學生通過開學第一課接受深刻的政治思想教育。五要防控常態化。按照差異化防控要求,“一校一案”制定并落實好常態化疫情防控措施。各級黨委、政府要落實好屬地責任,教育部門要落實好行業監管責任,學校要落實好主體責任,學生和家長要自覺遵守疫情防控各項規定,相關部門要大力支持配合,努力形成各方面齊心協力抓落實的生動局面。同時,要統籌抓好校園用電安全、治安安全、食品安全等各項工作,切實筑牢校園安全防線。全市上下要堅決落實蒿書記要求,把蒿書記的要求作為當前重點關鍵工作來抓,抓實抓細,抓出成效。',
        '(二)應急預案要做得更細。一是科學制定返校開學方案,確保平安開學。我市返校開學方案基本思路已經有了,總體分為3批,每批按照年級錯時錯峰返校,但各縣區、各學校仍然要逐條對照《河南省各級各類學校2021年秋季學期返校開學條件清單》,堅持全面評估、確保安全,落實一院一校、一院多校、一地一策、一校一案,對照根據疫情防控形勢和學生來源特點,細化完善本校教職員工和學生分期分批錯時錯峰返校方案,按程序報批后實施。制定返校方案的前提是摸清底數,這也是落實外防輸入的重要基礎,要對所有師生員工的活動軌跡、健康狀況、分布情況、來源情況進行全面排查,特別是要詳盡掌握開學前14天師生行蹤和健康狀況,落實到每個人頭,確保知根知底。二是周密制定校園防控方案,確保開學平安。校園防控關鍵在于日常防護到位、快速反應處置,突發情況能夠在第一時間控制。日常防護要落實好學校防控要則,結合學校實際細化完善措施,形成可操作的具體辦法。特別要認真上好開學第一課,所有學校都要利用一天時間,圍繞疫情防控這個主題,加強對師生的防控安全教育,包括師生個人衛生防護教育、疫情防控管理辦法教育、公共衛生應急管理教育等,引導師生增強自我防護意識,理解支持配合管控措施。應急處置的重點是設置好隔離場所和設施,加強應急演練,做好人員培訓,確保每個人清楚自己的位置、了解自己的職責、熟練掌握應急處置流程。比如遇到發熱師生,如何快速隔離轉運、如何擴大排查范圍,隔離解除后返校如何安排等,一整套流程和處置預案要提前確定。',
        '(三)防控措施要一抓到底。做好疫情防控工作,重在一抓到底,難在一抓到底,勝在一抓到底。對疫情防控的決策部署和規定要求,必須以實而又實、細而又細、嚴而又嚴的要求,掃除“盲區”“死角”,確保把各項措施落到位。要抓實防控措施。要結合變異病毒的特點,切實把掃碼、測溫、登記、核驗等查驗措施做得更實更細,嚴防走過場、打折扣。所有學校都必須準備隔離室,對情況異常師生及時進行隔離,并立即報告衛生防疫部門處置。要做好消毒防疫。各個學校都要針對校內公共服務需求,列出防疫物資配備清單,對教室、餐廳、宿舍、圖書館等公共區域,要備足消毒藥品和設備,建立消毒防疫有關制度,嚴格按照標準和規范進行,開學前要對校園環境進行全面整治和徹底消殺。對醫務、宿管人員以及參加防疫工作的師生員工,要保證配齊防護用品。要加快疫苗接種。疫苗接種是保護師生生命健康的重要手段。各地、各學校要高度重視,充分認識疫苗接種對于疫情防控的重要作用,把12-17歲學生接種作為當前一項緊急政治任務落實到位,力爭在月底前完成第一劑接種任務、9月15日前完成第二劑接種任務,為師生安全筑起免疫屏障。(具體接種數據待補充)。',
        '(四)高效閉環嚴把關口。開學后大量學生集中在校園,極易引發集聚性疫情爆發風險。各縣區各學校要堅持“外防輸入、內防反彈”的總體防控策略,時刻繃緊疫情防控這根弦,形成工作閉環。要看好門,做到嚴防死守。要切實強化陣地意識,嚴格管控學校校門,堅決做到“五個一律”,即校外無關人員一律不準進校門,師生進入校門一律核驗身份和檢測體溫,快遞、貨物等進入校園一律進行消殺,對發燒咳嗽者一律實行醫學隔離觀察,不服從管理者一律嚴肅處理。尤其是要主動防范疫情通過進口冷鏈食品輸入風險,妥善處置來自風險地區的快遞、貨物。校園要實行劃區劃片管理,圖書館等實行人流量限制,食堂要分時、限流就餐,學生公寓要封閉管理,進出必須實名驗證并檢測體溫。要盯好人,強化精細管理。人盯緊了,才能做到早發現、早報告、早隔離、早治療。要持續排查監測,結合國內中高風險地區調整情況,認真篩查師生旅居史和健康信息,全面掌握學生動態,“一人一檔”制定健康臺賬。一旦出現散發病例或聚集疫情,要依法依規報告,視情采取班級停課、封閉管理、全員核酸檢測等處置措施,及時與醫療衛生機構對接并配合做好隔離、轉診等相關工作,嚴防疫情在校園擴散。要管好事,嚴防疫情擴散。要加強大型活動管控,原則上不舉辦開學典禮、匯演會操、聯歡會等聚集性活動。',
    ]
)

_T2S = opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """A length-preserving norm for these tests: Traditional -> Simplified, character by character where
    a whole-text conversion would change the length."""
    whole = _T2S.convert(text)
    if len(whole) == len(text):
        return whole
    return "".join(s if len(s := _T2S.convert(ch)) == 1 else ch for ch in text)


SAMPLES = {
    "school_bus_000": SCHOOL_BUS_000,
    "poverty_003": POVERTY_003,
    "poverty_001": POVERTY_001,
    "epidemic_004": EPIDEMIC_004,
}


def chunks_of(text: str, speech_id: str = "s") -> list[Chunk]:
    return chunk_speech(speech_id, text, simplified(text))


def own_start(text: str, chunks: list[Chunk], i: int) -> int:
    """Where chunk i's new text (after its overlap with chunk i-1) begins."""
    if i == 0:
        return chunks[0].start
    pos = max(chunks[i].start, chunks[i - 1].end)
    return pos + len(text[pos:]) - len(text[pos:].lstrip())


def check_chunks(chunks: list[Chunk], text: str, norm: str, speech_id: str = "s") -> None:
    """Offsets, ids, bounds and sentence alignment that every chunking must satisfy."""
    assert chunks
    spans = split_sentences(text)
    starts, ends = {s.start for s in spans}, {s.end for s in spans}
    for i, c in enumerate(chunks):
        assert (c.id, c.speech_id, c.order) == (f"{speech_id}:{i}", speech_id, i)
        assert c.text == text[c.start : c.end] and c.norm == norm[c.start : c.end]
        assert c.text == c.text.strip(), f"chunk {i} is not trimmed"
        assert len(c.text) <= MAX, f"chunk {i} has {len(c.text)} characters"
        if i < len(chunks) - 1:
            assert len(c.text) >= MIN, f"chunk {i} of {len(chunks)} has only {len(c.text)} characters"
        # Whole sentences only (no sentence in these samples is longer than MAX).
        assert c.start in starts and c.end in ends, f"chunk {i} cuts a sentence: {c.text[:20]}…{c.text[-20:]}"
    for a, b in zip(chunks, chunks[1:]):
        assert a.start < b.start and a.end < b.end
        assert text[a.end : b.start].strip() == "", "text between two chunks is lost"
    assert chunks[0].start == len(text) - len(text.lstrip())
    assert chunks[-1].end == len(text.rstrip())


# --------------------------------------------------------------------------- sentences


def test_split_sentences_terminators_quotes_ellipsis_and_newline() -> None:
    text = "他说:“要抓好落实。”我们要行动起来!真的吗?是的;好……\n  下一段没有句号\n\n（四）高效閉環嚴把關口。開學後大量學生集中在校園，極易引發風險！"
    got = [text[s.start : s.end] for s in split_sentences(text)]
    assert got == [
        "他说:“要抓好落实。”",
        "我们要行动起来!",
        "真的吗?",
        "是的;",
        "好……",
        "下一段没有句号",
        "（四）高效閉環嚴把關口。",
        "開學後大量學生集中在校園，極易引發風險！",
    ]
    assert all(isinstance(s, Span) for s in split_sentences(text))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_split_sentences_on_real_text_covers_everything(name: str) -> None:
    text = SAMPLES[name]
    spans = split_sentences(text)
    assert len(spans) > len(text.splitlines())
    pos = 0
    for s in spans:
        assert text[pos : s.start].strip() == "", "text between sentences was dropped"
        piece = text[s.start : s.end]
        assert piece == piece.strip() and piece and "\n" not in piece
        line_end = text.find("\n", s.end)
        at_line_end = text[s.end : line_end if line_end >= 0 else len(text)].strip() == ""
        assert at_line_end or re.search(r"[。！？；!?;…][”’」』）)\"']*$", piece), piece
        pos = s.end
    assert text[pos:].strip() == ""


def test_split_sentences_empty() -> None:
    assert split_sentences("") == [] and split_sentences(" \n\u3000\n") == []


# --------------------------------------------------------------------------- outline headings


def outline_heading(line: str) -> str | None:
    found = outline(line)
    return found.heading if found else None


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("一、务必认清形势,政治站位再提升。", "一、务必认清形势,政治站位再提升。"),
        ("一、務必認清形勢,政治站位再提升。", "一、務必認清形勢,政治站位再提升。"),
        ("十一、加强组织领导", "十一、加强组织领导"),
        ("(二)实施“六个一批”工程,分类施策促进稳定脱贫。", "(二)实施“六个一批”工程,分类施策促进稳定脱贫。"),
        (
            "（四）高效閉環嚴把關口。開學後大量學生集中在校園,極易引發集聚性疫情爆發風險。各縣區各學校要堅持“外防輸入、內防反彈”的總體防控策略,時刻繃緊疫情防控這根弦,形成工作閉環。",
            "（四）高效閉環嚴把關口。",
        ),
        (
            "1.实施易地搬迁,挪穷窝脱贫一批。要坚持把易地扶贫搬迁与新型城镇化、产业园区及美丽乡村建设紧密结合,与陕南避灾扶贫搬迁工作有效对接,同步规划、同步推进。",
            "1.实施易地搬迁,挪穷窝脱贫一批。",
        ),
        ("3、要严格执行安全责任追究制。", "3、要严格执行安全责任追究制。"),
        ("4．规范教育收费行为。", "4．规范教育收费行为。"),
        (
            "第一,必须坚持县委统揽。县委充分发挥总揽全局、协调各方的领导核心作用,系统谋划了全县脱贫攻坚总体思路,建立健全了相应工作机制,合理配备了干部力量,为打赢脱贫攻坚战提供了坚强的政治保证和组织保证。",
            "第一,必须坚持县委统揽。",
        ),
        (
            "一是要抓好全面排查这个重点。各学校要立即组织校车车主在规定时间内补办有关手续,完善管理档案。配合公安交警等部门要立即对校进行一次全面排查,重点检查驾驶员从业资格、驾驶技能和驾龄,以及车辆车况方面的问题,对不符合条件的要坚决停运。",
            "一是要抓好全面排查这个重点。",
        ),
        (
            "      二要着力抓实富民产业发展,增强贫困对象内生动力。加强基层组织建设,大力培育专业大户、家庭农场、农民合作社等新型农业经营主体;积极推动商贸流通发展。",
            "二要着力抓实富民产业发展,增强贫困对象内生动力。",
        ),
    ],
)
def test_outline_heading_detects_markers(line: str, heading: str) -> None:
    assert outline_heading(line) == heading


@pytest.mark.parametrize(
    "line",
    [
        "首先,要提高政治站位,切实增强做好脱贫攻坚工作的责任感。",
        "其次,要强化责任落实。",
        "第一次全体会议上强调,要按照省委省政府决策部署和市委市政府工作安排。",
        "2020年是脱贫攻坚决战决胜之年。",
        "1.5亿元资金已经全部到位。",
        "一些同志对此认识还不到位。",
        "张剡强调,一要着力抓实基础设施建设,改善贫困地区发展条件。",
        "近年来,广大学生在享受优质教育资源的同时,也出现了学生上学半径增大。",
        "",
    ],
)
def test_outline_heading_rejects_plain_paragraphs(line: str) -> None:
    assert outline_heading(line) is None


def test_outline_heading_shortens_a_long_first_sentence() -> None:
    line = (
        "三、落实责任,齐抓共管,建立健全校车安全管理长效机制 校车安全管理是一项长期而艰巨的工作,要从根本上杜绝安全事故的发生,"
        "必须加强领导,落实责任,建立健全安全工作长效管理机制,形成齐抓共管的良好局面。"
    )
    heading = outline_heading(line)
    assert heading is not None and heading.startswith("三、落实责任,齐抓共管,建立健全校车安全管理长效机制")
    assert len(heading) <= 60 and line.startswith(heading)


# --------------------------------------------------------------------------- chunking real paragraphs


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_chunks_are_bounded_aligned_and_point_at_the_text(name: str) -> None:
    text = SAMPLES[name]
    chunks = chunks_of(text, name)
    assert len(chunks) >= 4
    check_chunks(chunks, text, simplified(text), name)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_consecutive_chunks_overlap_by_the_last_sentence(name: str) -> None:
    text = SAMPLES[name]
    chunks = chunks_of(text)
    overlapping = 0
    for a, b in zip(chunks, chunks[1:]):
        last = [s for s in split_sentences(a.text)][-1]
        last_sentence = a.text[last.start : last.end]
        if b.start < a.end:
            overlapping += 1
            assert text[b.start : a.end] == last_sentence
            assert b.text.startswith(last_sentence)
        else:
            # Only a long last sentence (over target / 2) is not repeated.
            assert len(last_sentence) > 125 and text[a.end : b.start].strip() == ""
    assert overlapping >= (len(chunks) - 1) * 2 // 3


def test_traditional_speech_headings_and_simplified_norm() -> None:
    chunks = chunks_of(EPIDEMIC_004)
    by_text = {c.text: c for c in chunks}
    gate = [c for c in chunks if "開學后大量學生集中在校園" in c.text]
    assert [c.heading for c in gate] == ["二、務必抓住重點,工作落實再強化。 / (四)高效閉環嚴把關口。"]
    assert "开学后大量学生集中在校园" in gate[0].norm
    # The 806-character (一) paragraph is spread over several chunks, all under the same path.
    first = [c for c in chunks if "蒿慧杰書記" in c.text or "五要防控常態化" in c.text or "三要開好家長會" in c.text]
    assert len(first) >= 2
    assert {c.heading for c in first} == {"二、務必抓住重點,工作落實再強化。 / (一)市委要求要堅決落實。"}
    assert any(c.heading == "一、務必認清形勢,政治站位再提升。" and "190萬" in c.text for c in by_text.values())
    assert chunks[0].heading == ""  # the opening paragraph comes before any heading


def test_top_level_heading_starts_a_new_chunk() -> None:
    text = SCHOOL_BUS_000
    chunks = chunks_of(text)
    h = text.index("二、突出重点")
    holding = [i for i, c in enumerate(chunks) if c.start <= h < c.end]
    assert len(holding) == 1
    i = holding[0]
    # The section before does not run into the new one: only the overlap sentence precedes the heading.
    assert chunks[i - 1].end < h and own_start(text, chunks, i) == h
    assert chunks[i].heading == "二、突出重点,强化措施,全力抓好校车安全管理工作 / 一是要抓好全面排查这个重点。"
    assert any(c.heading.startswith("一、认清形势,提高认识") and "近年来" in c.text for c in chunks)
    assert any(c.heading.endswith("/ 三是要抓好综合治理这个重点。") for c in chunks)


def test_point_headings_yi_yao_style() -> None:
    text = POVERTY_003
    chunks = chunks_of(text)
    assert [c.heading for c in chunks if "加强基层组织建设" in c.text] == ["二要着力抓实富民产业发展,增强贫困对象内生动力。"]
    # 二要… opens the speech's top level here, so each point after the first starts the new text of a chunk.
    for marker in ("三要着力", "四要着力", "五要着力", "六要着力"):
        h = text.index(marker)
        assert any(own_start(text, chunks, i) == h for i in range(len(chunks))), marker
    # A point heading that opens a running paragraph heads that paragraph only.
    assert chunks[-1].heading == "" and "张剡要求" in chunks[-1].text


def test_nested_headings_two_levels() -> None:
    chunks = chunks_of(POVERTY_001)
    assert [c.heading for c in chunks if "扩大低保保障范畴" in c.text] == [
        "(二)实施“六个一批”工程,分类施策促进稳定脱贫。 / 3.强化政策集成,兜底线保障一批。"
    ]
    assert all(c.heading.startswith("(二)实施“六个一批”工程") for c in chunks)


# --------------------------------------------------------------------------- edge cases


def test_long_sentence_without_punctuation_is_split_hard() -> None:
    text = re.sub(r"[^\u4e00-\u9fff0-9]", "", EPIDEMIC_004)[:1500]
    chunks = chunks_of(text)
    assert [len(c.text) for c in chunks] == [600, 600, 300]
    assert "".join(c.text for c in chunks) == text
    assert all(c.norm == simplified(text)[c.start : c.end] for c in chunks)


def test_long_sentence_is_split_at_commas() -> None:
    paragraph = next(p for p in EPIDEMIC_004.split("\n") if p.startswith("(一)"))
    text = paragraph.replace("。", ",")  # one 806-character sentence
    assert len(text) > MAX and len(split_sentences(text)) == 1
    chunks = chunks_of(text)
    assert len(chunks) >= 2 and all(len(c.text) <= MAX for c in chunks)
    assert all(c.text[-1] in ",，、" for c in chunks[:-1])
    assert chunks[-1].end == len(text) and all(text[a.end : b.start].strip() == "" for a, b in zip(chunks, chunks[1:]))


def test_short_piece_before_a_very_long_sentence_is_not_left_alone() -> None:
    paragraphs = EPIDEMIC_004.split("\n")
    before = next(p for p in paragraphs if p.startswith("8月24日"))
    long_sentence = next(p for p in paragraphs if p.startswith("(一)")).replace("。", ",")[:559] + "。"
    text = f"{before}\n要盯好人,強化精細管理。{long_sentence}人盯緊了,才能做到早發現、早報告、早隔離、早治療。"
    chunks = chunks_of(text)
    check_chunks(chunks, text, simplified(text))
    assert any("要盯好人" in c.text and before[-20:] in c.text for c in chunks)


def test_tiny_tail_merges_into_previous_chunk() -> None:
    # POVERTY_001 ends with a lone heading line that would make a last chunk of its own.
    chunks = chunks_of(POVERTY_001)
    assert "6.保住青山绿水,护生态转移一批。" in chunks[-1].text
    assert chunks[-1].text.endswith("\n(三)落实“六个一”责任机制,确保精准措施到村到户。")
    assert MIN <= len(chunks[-1].text) <= MAX
    base = chunks_of(SCHOOL_BUS_000)
    text = SCHOOL_BUS_000 + "\n谢谢大家!"
    chunks = chunks_of(text)
    assert len(chunks) == len(base)
    assert chunks[-1].start == base[-1].start and chunks[-1].text.endswith("\n谢谢大家!")
    check_chunks(chunks, text, simplified(text))


def test_short_speech_is_one_trimmed_chunk_and_empty_gives_none() -> None:
    text = "  \n同志们:\n今天的会议很重要,请大家认真抓好落实。\n\n"
    chunks = chunk_speech("x", text, text)
    assert len(chunks) == 1
    c = chunks[0]
    assert (c.id, c.text, c.heading) == ("x:0", "同志们:\n今天的会议很重要,请大家认真抓好落实。", "")
    assert text[c.start : c.end] == c.text
    assert chunk_speech("x", "", "") == [] and chunk_speech("x", " \n\u3000", " \n\u3000") == []


def test_bad_arguments_get_clear_errors() -> None:
    with pytest.raises(ValueError, match=r"norm has 3"):
        chunk_speech("x", "同志们:", "同志们")
    with pytest.raises(ValueError, match="min_chars <= target <= max_chars"):
        chunk_speech("x", "同志们:", "同志们:", target=100, min_chars=150)
    with pytest.raises(ValueError, match="overlap_sentences"):
        chunk_speech("x", "同志们:", "同志们:", overlap_sentences=-1)


def test_no_overlap_when_disabled_and_deterministic() -> None:
    text = EPIDEMIC_004
    chunks = chunk_speech("s", text, text, overlap_sentences=0)
    assert all(b.start >= a.end for a, b in zip(chunks, chunks[1:]))
    assert chunk_speech("s", text, text, overlap_sentences=0) == chunks
    assert chunks_of(text) == chunks_of(text)


# --------------------------------------------------------------------------- whole seed files


def pseudo_speech(path: Path) -> str:
    """A raw seed file split naively on blank lines and joined back as one speech (paragraphs on lines)."""
    raw = path.read_text(encoding="utf-8")
    return "\n".join(b.strip() for b in re.split(r"\n\s*\n", raw) if b.strip())


SEED_FILES = sorted(SPEECHES.glob("*.txt"))


def test_seed_files_exist() -> None:
    assert len(SEED_FILES) == 5


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_whole_seed_file_chunk_sizes(path: Path) -> None:
    text = pseudo_speech(path)
    chunks = chunk_speech(path.stem, text, text)
    sizes = [len(c.text) for c in chunks]
    assert max(sizes) <= MAX
    assert 150 <= statistics.median(sizes) <= 350
    assert all(c.text == text[c.start : c.end] for c in chunks)
    assert all(text[a.end : b.start].strip() == "" for a, b in zip(chunks, chunks[1:]))
    assert chunks[-1].end == len(text.rstrip())
