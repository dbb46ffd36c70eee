// footfit kiosk page (footfit.app.kiosk): drop a scan, POST /v1/fit, show the summary and the report.
var W=WORDS,lang=document.getElementById('lang').value,file=null;
function t(k){return (W[lang]||W.en)[k];}
function words(){document.querySelectorAll('[data-w]').forEach(function(e){e.textContent=t(e.dataset.w);});
document.querySelectorAll('#style option').forEach(function(o){o.textContent=STYLES[lang][o.value];});
document.querySelectorAll('#fit option').forEach(function(o){o.textContent=FITS[lang][o.value];});
document.documentElement.lang=lang==='zh'?'zh-CN':'en';}
document.getElementById('lang').addEventListener('change',function(e){lang=e.target.value;words();});
var drop=document.getElementById('drop'),input=document.getElementById('scan');
function pick(f){file=f;document.getElementById('file').textContent=f?f.name:'';document.getElementById('go').disabled=!f;}
drop.addEventListener('click',function(){input.click();});
input.addEventListener('change',function(){pick(input.files[0]);});
['dragenter','dragover'].forEach(function(n){drop.addEventListener(n,function(e){e.preventDefault();drop.classList.add('over');});});
['dragleave','drop'].forEach(function(n){drop.addEventListener(n,function(e){e.preventDefault();drop.classList.remove('over');});});
drop.addEventListener('drop',function(e){if(e.dataTransfer.files.length)pick(e.dataTransfer.files[0]);});
function esc(s){var d=document.createElement('div');d.textContent=s==null?'':String(s);return d.innerHTML;}
document.getElementById('form').addEventListener('submit',function(e){e.preventDefault();if(!file)return;
var st=document.getElementById('status'),go=document.getElementById('go');st.className='';st.textContent=t('kiosk_busy');go.disabled=true;
var fd=new FormData();fd.append('scan',file,file.name);['style','fit','lang'].forEach(function(k){fd.append(k,document.getElementById(k).value);});fd.append('customer_name',document.getElementById('customer').value);
var t0=performance.now();
fetch('/v1/fit',{method:'POST',body:fd}).then(function(r){if(!r.ok)return r.json().then(function(j){throw new Error(j.detail||r.statusText);});
var id=r.headers.get('X-Report-Id');var q='?lang='+lang+'&customer='+encodeURIComponent(document.getElementById('customer').value);
return fetch('/v1/fit/'+id+'/summary'+q).then(function(s){return s.json();}).then(function(s){
var box=document.getElementById('summary'),h='';
if(s.quality&&s.quality.rescan){h+='<p class="rescan">'+esc(t('rescan'))+': '+esc((s.quality.severe||[]).join('; '))+'</p>';}
h+='<div>'+esc(t('your_size'))+'</div><div class="size" id="sizeline">'+esc(s.size_line)+'</div>';
h+='<p><b>'+esc(t('insole_to_sell'))+':</b> '+esc(s.insole.headline)+' <small>'+esc(s.insole.detail)+'</small></p>';
h+='<ul>'+s.lasts.map(function(x){return '<li>'+esc(x)+'</li>';}).join('')+'</ul>';
box.innerHTML=h;box.style.display='block';
var fr=document.getElementById('report');fr.src='/v1/fit/'+id+'/report.html'+q;fr.style.display='block';
st.textContent=file.name+' · '+Math.round(performance.now()-t0)+' ms';});})
.catch(function(err){st.className='error';st.textContent=err.message;}).finally(function(){go.disabled=!file;});});
words();
